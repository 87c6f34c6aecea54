import { useQuery } from '@apollo/client/react';
import { Link, useParams } from 'react-router-dom';
import { PARTIAL, inWords, serviceDown } from '../apollo';
import { POST } from '../operations';
import { useSession } from '../session';

/** A post: its sanitised HTML and its images in LARGE, with SMALL and ORIGINAL in srcset. */
export function PostPage() {
  const { id = '' } = useParams();
  const { viewer } = useSession();
  const { data, error, loading } = useQuery(POST, { ...PARTIAL, fetchPolicy: 'cache-and-network', variables: { id } });
  if (loading && !data) return <p role="status">Loading…</p>;
  const post = data?.post;
  if (!post) return <p role="alert">{error ? inWords(error) : 'This post does not exist, or is not published.'}</p>;
  const canEdit = viewer && (viewer.id === post.author?.id || viewer.role === 'ADMIN');
  return (
    <article className="post">
      <h1>{post.title}</h1>
      <p className="meta">
        {post.author ? <Link to={`/u/${post.author.handle}`}>{post.author.displayName}</Link> : 'author unavailable'}
        {post.publishedAt ? ` · ${new Date(post.publishedAt).toLocaleDateString()}` : ' · draft'}
        {canEdit && (
          <>
            {' · '}
            <Link to={`/posts/${post.id}/edit`}>Edit</Link>
          </>
        )}
      </p>
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
