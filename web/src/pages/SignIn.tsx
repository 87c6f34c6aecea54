import { useState, type FormEvent } from 'react';
import { useApolloClient, useMutation } from '@apollo/client/react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { inWords } from '../apollo';
import { SIGN_IN, SIGN_UP } from '../operations';
import { usePage } from '../page';

/** After a sign-in or sign-up: forget what was cached for the anonymous visitor and go on. */
function useSignedIn() {
  const client = useApolloClient();
  const navigate = useNavigate();
  const location = useLocation();
  return async () => {
    await client.resetStore();
    navigate((location.state as { from?: string } | null)?.from ?? '/');
  };
}

export function SignIn() {
  const [signIn, { loading }] = useMutation(SIGN_IN);
  const [problem, setProblem] = useState<string | null>(null);
  const signedIn = useSignedIn();
  const reason = (useLocation().state as { reason?: string } | null)?.reason;
  const heading = usePage('Sign in');
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setProblem(null);
    try {
      await signIn({ variables: { email: String(form.get('email')), password: String(form.get('password')) } });
      await signedIn();
    } catch (error) {
      setProblem(inWords(error));
    }
  }
  return (
    <form onSubmit={submit} className="form" aria-labelledby="signin-title">
      <h1 id="signin-title" ref={heading} tabIndex={-1}>
        Sign in
      </h1>
      {reason && <p className="notice">{reason}</p>}
      <label htmlFor="email">Email</label>
      <input id="email" name="email" type="email" autoComplete="email" required />
      <label htmlFor="password">Password</label>
      <input id="password" name="password" type="password" autoComplete="current-password" required />
      <Problem text={problem} />
      <button type="submit" disabled={loading}>
        Sign in
      </button>
      <p>
        New here? <Link to="/signup">Create an account</Link>.
      </p>
    </form>
  );
}

export function SignUp() {
  const [signUp, { loading }] = useMutation(SIGN_UP);
  const heading = usePage('Create an account');
  const [problem, setProblem] = useState<string | null>(null);
  const signedIn = useSignedIn();
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setProblem(null);
    try {
      await signUp({
        variables: {
          input: {
            email: String(form.get('email')),
            password: String(form.get('password')),
            handle: String(form.get('handle')),
            displayName: String(form.get('displayName')),
          },
        },
      });
      await signedIn();
    } catch (error) {
      setProblem(inWords(error));
    }
  }
  return (
    <form onSubmit={submit} className="form" aria-labelledby="signup-title">
      <h1 id="signup-title" ref={heading} tabIndex={-1}>
        Create an account
      </h1>
      <label htmlFor="displayName">Name</label>
      <input id="displayName" name="displayName" autoComplete="name" required />
      <label htmlFor="handle">Handle</label>
      <input id="handle" name="handle" autoComplete="username" pattern="[a-z0-9_]{3,30}" title="3–30 of a–z, 0–9 and _" required />
      <label htmlFor="email">Email</label>
      <input id="email" name="email" type="email" autoComplete="email" required />
      <label htmlFor="password">Password (at least 10 characters)</label>
      <input id="password" name="password" type="password" autoComplete="new-password" minLength={10} required />
      <Problem text={problem} />
      <button type="submit" disabled={loading}>
        Create account
      </button>
    </form>
  );
}

/** What went wrong with the last submission, announced to screen readers. */
function Problem({ text }: { text: string | null }) {
  return text ? (
    <p role="alert" className="error">
      {text}
    </p>
  ) : null;
}
