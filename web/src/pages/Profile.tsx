import { useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { Link, useParams } from 'react-router-dom';
import { PARTIAL, inWords } from '../apollo';
import { CREATE_AVATAR_UPLOAD, PROFILE } from '../operations';
import { usePage } from '../page';
import { useSession } from '../session';
import { putFile } from '../upload';

export function Profile() {
  const { handle = '' } = useParams();
  const { data, error, loading, refetch } = useQuery(PROFILE, { ...PARTIAL, fetchPolicy: 'cache-and-network', variables: { handle } });
  const { viewer } = useSession();
  const [createUpload] = useMutation(CREATE_AVATAR_UPLOAD);
  const [progress, setProgress] = useState<number | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const user = data?.userByHandle;
  const heading = usePage(user?.displayName ?? `@${handle}`);
  if (loading && !data) return <p role="status">Loading…</p>;
  if (!user) return <p role="alert">{error ? inWords(error) : `Nobody is called @${handle}.`}</p>;
  return (
    <section aria-labelledby="profile-title">
      <div className="profile">
        {user.avatar ? <img src={user.avatar.thumb} alt={user.avatar.alt ?? `${user.displayName}'s picture`} width={96} height={96} /> : <span className="placeholder avatar" role="img" aria-label="No picture" />}
        <div>
          <h1 id="profile-title" ref={heading} tabIndex={-1}>
            {user.displayName}
          </h1>
          <p className="meta">
            @{user.handle} · {user.role.toLowerCase()}
          </p>
        </div>
      </div>
      {viewer?.id === user.id && (
        <div className="images">
          <label htmlFor="avatar">Change your picture</label>
          <input
            id="avatar"
            type="file"
            accept="image/jpeg,image/png,image/gif,image/webp,image/avif"
            disabled={progress !== null}
            onChange={async (event) => {
              const file = event.target.files?.[0];
              if (!file) return;
              setProblem(null);
              try {
                const { data: ticket } = await createUpload({ variables: { mimeType: file.type, bytes: file.size, alt: `Picture of ${user.displayName}` } });
                setProgress(0);
                await putFile(ticket!.createUpload.url, file, setProgress);
                await refetch();
              } catch (failure) {
                setProblem(failure instanceof Error && !('errors' in failure) ? failure.message : inWords(failure));
              } finally {
                setProgress(null);
              }
            }}
          />
          {progress !== null && <progress value={progress} max={1} aria-label="Upload progress" />}
          {problem && (
            <p role="alert" className="error">
              {problem}
            </p>
          )}
        </div>
      )}
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
