import { useEffect, useRef } from 'react';
import { useQuery } from '@apollo/client/react';
import { Link } from 'react-router-dom';
import { PARTIAL, inWords, serviceDown } from '../apollo';
import { FEED } from '../operations';
import { usePage, when } from '../page';

/** The feed: newest published posts with their cover thumbnails, more loaded as the reader scrolls. */
export function Feed() {
  const { data, error, loading, fetchMore } = useQuery(FEED, { ...PARTIAL, fetchPolicy: 'cache-and-network', notifyOnNetworkStatusChange: true });
  const sentinel = useRef<HTMLLIElement>(null);
  const page = data?.posts;
  const mediaDown = serviceDown(error);
  const heading = usePage('Latest posts');

  // Infinite scroll: when the last row comes into view, fetch the page after it.
  useEffect(() => {
    const element = sentinel.current;
    if (!element || !page?.pageInfo.hasNextPage) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !loading) void fetchMore({ variables: { after: page.pageInfo.endCursor } });
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [page?.pageInfo.endCursor, page?.pageInfo.hasNextPage, loading, fetchMore]);

  if (!page && loading) return <p role="status">Loading the feed…</p>;
  if (!page) return <p role="alert">{inWords(error)}</p>;
  return (
    <section aria-labelledby="feed-title">
      <h1 id="feed-title" ref={heading} tabIndex={-1}>
        Latest posts
      </h1>
      {mediaDown && (
        <p className="notice" role="status">
          Images are unavailable right now; the posts are all here.
        </p>
      )}
      <ul className="feed">
        {page.nodes.map((post) => (
          <li key={post.id} className="card">
            <Link to={`/posts/${post.id}`} className="card-link">
              {post.coverImage ? (
                <img src={post.coverImage.thumb} srcSet={`${post.coverImage.thumb} 160w, ${post.coverImage.small} 480w`} sizes="160px" alt={post.coverImage.alt ?? ''} width={160} height={107} loading="lazy" />
              ) : (
                <span className="placeholder" role="img" aria-label={mediaDown ? 'Image unavailable' : 'No image'} />
              )}
              <span className="card-text">
                <strong>{post.title}</strong>
                <span className="meta">
                  {post.author ? `by ${post.author.displayName}` : 'author unavailable'}
                  {post.publishedAt && ` · ${when(post.publishedAt)}`}
                </span>
              </span>
            </Link>
          </li>
        ))}
        <li ref={sentinel} aria-hidden="true" className="sentinel" />
      </ul>
      {loading && <p role="status">Loading more…</p>}
      {page.pageInfo.hasNextPage && !loading && (
        <button type="button" onClick={() => fetchMore({ variables: { after: page.pageInfo.endCursor } })}>
          Load more posts
        </button>
      )}
      {!page.pageInfo.hasNextPage && <p className="meta">That is everything.</p>}
    </section>
  );
}
