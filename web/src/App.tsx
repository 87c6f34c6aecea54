import { lazy, Suspense, type ReactElement } from 'react';
import { useApolloClient, useMutation } from '@apollo/client/react';
import { Link, NavLink, Route, Routes, useNavigate } from 'react-router-dom';
import { SIGN_OUT } from './operations';
import { Admin } from './pages/Admin';
import { Feed } from './pages/Feed';
import { PostPage } from './pages/PostPage';
import { Profile } from './pages/Profile';
import { SignIn, SignUp } from './pages/SignIn';
import { usePage } from './page';
import { PAGES } from './routes';
import { RequireViewer, SessionProvider, useSession } from './session';

/** The editor (and the Markdown preview it brings) is a chunk of its own, loaded by those who write. */
const Editor = lazy(() => import('./pages/Editor').then((module) => ({ default: module.Editor })));

function Header() {
  const { viewer } = useSession();
  const client = useApolloClient();
  const navigate = useNavigate();
  const [signOut] = useMutation(SIGN_OUT);
  return (
    <header className="top">
      <Link to="/" className="brand">
        Federated Notes
      </Link>
      <nav aria-label="Main">
        <NavLink to="/">Feed</NavLink>
        {viewer && viewer.role !== 'READER' && <NavLink to="/write">Write</NavLink>}
        {viewer?.role === 'ADMIN' && <NavLink to="/admin">Admin</NavLink>}
        {viewer ? (
          <>
            <NavLink to={`/u/${viewer.handle}`}>{viewer.displayName}</NavLink>
            <button
              type="button"
              onClick={async () => {
                await signOut().catch(() => undefined);
                // Leave the signed-in pages first, then forget everything cached for this viewer.
                navigate('/');
                await client.resetStore();
              }}
            >
              Sign out
            </button>
          </>
        ) : (
          <>
            <NavLink to="/signin">Sign in</NavLink>
            <NavLink to="/signup">Sign up</NavLink>
          </>
        )}
      </nav>
    </header>
  );
}

/** The pages that write posts: authors and admins only. */
const writers = (page: ReactElement) => (
  <RequireViewer roles={['AUTHOR', 'ADMIN']}>
    <Suspense fallback={<p role="status">Loading…</p>}>{page}</Suspense>
  </RequireViewer>
);

/** Any path that is not a page: bff-web answers it with status 404 and this. */
function NotFound() {
  const heading = usePage('Page not found');
  return (
    <section aria-labelledby="not-found-title">
      <h1 id="not-found-title" ref={heading} tabIndex={-1}>
        Page not found
      </h1>
      <p role="alert">
        There is no page here. <Link to="/">Back to the feed</Link>.
      </p>
    </section>
  );
}

export function App() {
  return (
    <SessionProvider>
      <a href="#main" className="skip">
        Skip to content
      </a>
      <Header />
      <main id="main" tabIndex={-1}>
        <Routes>
          <Route path={PAGES.feed} element={<Feed />} />
          <Route path={PAGES.post} element={<PostPage />} />
          <Route path={PAGES.profile} element={<Profile />} />
          <Route path={PAGES.signIn} element={<SignIn />} />
          <Route path={PAGES.signUp} element={<SignUp />} />
          <Route path={PAGES.write} element={writers(<Editor />)} />
          <Route path={PAGES.editPost} element={writers(<Editor />)} />
          <Route path={PAGES.admin} element={<RequireViewer roles={['ADMIN']}><Admin /></RequireViewer>} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
    </SessionProvider>
  );
}
