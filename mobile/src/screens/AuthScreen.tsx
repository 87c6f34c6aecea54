import { useState } from 'react';
import { useApp } from '../App';
import { messageOf } from '../session';
import { Button, ErrorText, Field, FormScreen } from '../ui';

/** Sign in, or create an account; either keeps the session and goes back to the feed. */
export function AuthScreen({ mode }: { mode: 'sign-in' | 'sign-up' }) {
  const { session, home, back, push } = useApp();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [handle, setHandle] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const signingUp = mode === 'sign-up';

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      if (signingUp) await session.signUp({ email: email.trim(), password, handle: handle.trim(), displayName: displayName.trim() });
      else await session.signIn(email.trim(), password);
      home();
    } catch (failure) {
      setError(messageOf(failure));
      setBusy(false);
    }
  };

  return (
    <FormScreen heading={signingUp ? 'Create an account' : 'Sign in'}>
      <Field label="Email" testID="email" value={email} onChangeText={setEmail} autoCapitalize="none" autoComplete="email" keyboardType="email-address" inputMode="email" />
      <Field label="Password" testID="password" value={password} onChangeText={setPassword} secureTextEntry autoComplete={signingUp ? 'new-password' : 'current-password'} />
      {signingUp ? (
        <>
          <Field label="Handle" testID="handle" value={handle} onChangeText={setHandle} autoCapitalize="none" placeholder="letters, digits and _" />
          <Field label="Display name" testID="display-name" value={displayName} onChangeText={setDisplayName} />
        </>
      ) : null}
      {error ? <ErrorText>{error}</ErrorText> : null}
      <Button title={signingUp ? 'Create account' : 'Sign in'} testID="submit" busy={busy} onPress={() => void submit()} />
      <Button
        kind="plain"
        title={signingUp ? 'I have an account: sign in' : 'New here? Create an account'}
        testID={signingUp ? 'to-sign-in' : 'to-sign-up'}
        onPress={() => {
          back();
          push({ name: 'auth', mode: signingUp ? 'sign-in' : 'sign-up' });
        }}
      />
    </FormScreen>
  );
}
