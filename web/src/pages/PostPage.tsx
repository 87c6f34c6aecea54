import { useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { PARTIAL, inWords, serviceDown } from '../apollo';
import { DELETE_POST, POST } from '../operations';
import { usePage, when } from '../page';
import { useSession } from '../session';

/** A post: its sanitised HTML and its images in LARGE, with SMALL and ORIGINAL in srcset. */
export function PostPage() {
  const { id = '' } = useParams();
  const { viewer } = useSession();
  const { data, error, loading } = useQuery(POST, { ...PARTIAL, fetchPolicy: 'cache-and-network', variables: { id } });
  const [deletePost] = useMutation(DELETE_POST);
  const [problem, setProblem] = useState<string | null>(null);
  const navigate = useNavigate();
  const post = data?.post;
  const heading = usePage(post?.title ?? 'Post');
  if (loading && !data) return <p role="status">Loading…</p>;
  if (!post) return <p role="alert">{error ? inWords(error) : 'This post does not exist, or is not published.'}</p>;
  // The posts service's rule: the author or an admin may delete a post, but changing one is
  // writing, which a reader (an author who was demoted) may no longer do.
  const canDelete = !!viewer && (viewer.id === post.author?.id || viewer.role === 'ADMIN');
  const canEdit = canDelete && viewer.role !== 'READER';
  return (
    <article className="post">
      <h1 ref={heading} tabIndex={-1}>
        {post.title}
      </h1>
      <p className="meta">
        {post.author ? <Link to={`/u/${post.author.handle}`}>{post.author.displayName}</Link> : 'author unavailable'}
        {post.publishedAt ? ` · ${when(post.publishedAt)}` : ' · draft'}
        {canEdit && (
          <>
            {' · '}
            <Link to={`/posts/${post.id}/edit`}>Edit</Link>
          </>
        )}
        {canDelete && (
          <>
            {' · '}
            <button
              type="button"
              className="link"
              onClick={async () => {
                if (!window.confirm(`Delete “${post.title}” and its images? This cannot be undone.`)) return;
                try {
                  await deletePost({ variables: { id: post.id }, update: (cache) => cache.evict({ fieldName: 'posts' }) });
                  navigate('/');
                } catch (failure) {
                  setProblem(inWords(failure));
                }
              }}
            >
              Delete
            </button>
          </>
        )}
      </p>
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
      {serviceDown(error) && (
        <p className="notice" role="status">
          Images are unavailable right now.
        </p>
      )}
      {post.media
        ?.filter((m) => m.kind === 'IMAGE')
        .map((m) => (
          <figure key={m.id}>
            <img
              src={m.large}
              srcSet={`${m.small} 480w, ${m.large} 1280w${m.width && m.width > 1280 ? `, ${m.original} ${m.width}w` : ''}`}
              sizes="(max-width: 800px) 100vw, 800px"
              alt={m.alt ?? ''}
              width={m.width ?? undefined}
              height={m.height ?? undefined}
            />
            {m.alt && <figcaption>{m.alt}</figcaption>}
          </figure>
        ))}
      {post.media
        ?.filter((m) => m.kind === 'VIDEO')
        .map((m) => (
          <video key={m.id} src={m.original} controls preload="metadata" aria-label={m.alt ?? 'Video'} />
        ))}
      {/* bodyHtml is rendered and sanitised by the posts service. */}
      <div className="body" dangerouslySetInnerHTML={{ __html: post.bodyHtml }} />
    </article>
  );
}
