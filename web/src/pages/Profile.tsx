import { useQuery } from '@apollo/client/react';
import { Link, useParams } from 'react-router-dom';
import { PARTIAL, inWords } from '../apollo';
import { PROFILE } from '../operations';

export function Profile() {
  const { handle = '' } = useParams();
  const { data, error, loading } = useQuery(PROFILE, { ...PARTIAL, fetchPolicy: 'cache-and-network', variables: { handle } });
  if (loading && !data) return <p role="status">Loading…</p>;
  const user = data?.userByHandle;
  if (!user) return <p role="alert">{error ? inWords(error) : `Nobody is called @${handle}.`}</p>;
  return (
    <section aria-labelledby="profile-title">
      <div className="profile">
        {user.avatar ? <img src={user.avatar.thumb} alt={user.avatar.alt ?? `${user.displayName}'s picture`} width={96} height={96} /> : <span className="placeholder avatar" role="img" aria-label="No picture" />}
        <div>
          <h1 id="profile-title">{user.displayName}</h1>
          <p className="meta">
            @{user.handle} · {user.role.toLowerCase()}
          </p>
        </div>
      </div>
      <h2>Posts</h2>
      {user.posts?.nodes.length ? (
        <ul>
          {user.posts.nodes.map((p) => (
            <li key={p.id}>
              <Link to={`/posts/${p.id}`}>{p.title}</Link>
            </li>
          ))}
        </ul>
      ) : (
        <p>No posts yet.</p>
      )}
    </section>
  );
}
