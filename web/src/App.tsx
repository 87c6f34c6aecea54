import type { ReactElement } from 'react';
import { useApolloClient, useMutation } from '@apollo/client/react';
import { Link, NavLink, Route, Routes, useNavigate } from 'react-router-dom';
import { SIGN_OUT } from './operations';
import { Admin } from './pages/Admin';
import { Editor } from './pages/Editor';
import { Feed } from './pages/Feed';
import { PostPage } from './pages/PostPage';
import { Profile } from './pages/Profile';
import { SignIn, SignUp } from './pages/SignIn';
import { RequireViewer, SessionProvider, useSession } from './session';

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
const writers = (page: ReactElement) => <RequireViewer roles={['AUTHOR', 'ADMIN']}>{page}</RequireViewer>;

export function App() {
  return (
    <SessionProvider>
      <a href="#main" className="skip">
        Skip to content
      </a>
      <Header />
      <main id="main" tabIndex={-1}>
        <Routes>
          <Route path="/" element={<Feed />} />
          <Route path="/posts/:id" element={<PostPage />} />
          <Route path="/u/:handle" element={<Profile />} />
          <Route path="/signin" element={<SignIn />} />
          <Route path="/signup" element={<SignUp />} />
          <Route path="/write" element={writers(<Editor />)} />
          <Route path="/posts/:id/edit" element={writers(<Editor />)} />
          <Route path="/admin" element={<RequireViewer roles={['ADMIN']}><Admin /></RequireViewer>} />
          <Route path="*" element={<p role="alert">There is no page here. <Link to="/">Back to the feed</Link>.</p>} />
        </Routes>
      </main>
    </SessionProvider>
  );
}
