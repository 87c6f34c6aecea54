import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { PARTIAL, inWords, serviceDown } from '../apollo';
import { preview } from '../markdown';
import { CREATE_POST, CREATE_UPLOAD, DELETE_MEDIA, POST, UPDATE_POST } from '../operations';
import { usePage } from '../page';
import { putFile } from '../upload';

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif'];

/** Writes a new post (/write) or edits one (/posts/:id/edit): Markdown with a live preview, and images. */
export function Editor() {
  const { id } = useParams();
  const navigate = useNavigate();
  const existing = useQuery(POST, { ...PARTIAL, variables: { id: id ?? '' }, skip: !id });
  const [createPost] = useMutation(CREATE_POST);
  const [updatePost] = useMutation(UPDATE_POST);
  const [createUpload] = useMutation(CREATE_UPLOAD);
  const [deleteMedia] = useMutation(DELETE_MEDIA);
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [published, setPublished] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [alt, setAlt] = useState('');
  const post = existing.data?.post;
  const heading = usePage(id ? 'Edit post' : 'Write a post');

  useEffect(() => {
    if (!post) return;
    setTitle(post.title);
    setBody(post.body);
    setPublished(post.status === 'PUBLISHED');
  }, [post?.id]); // eslint-disable-line react-hooks/exhaustive-deps

  if (id && existing.loading && !post) return <p role="status">Loading…</p>;
  if (id && !post) return <p role="alert">{existing.error ? inWords(existing.error) : 'This post does not exist.'}</p>;

  async function save(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    setStatus(null);
    const input = { title, body, status: published ? ('PUBLISHED' as const) : ('DRAFT' as const) };
    try {
      if (id) {
        await updatePost({ variables: { id, input } });
        setStatus('Saved.');
      } else {
        const { data } = await createPost({ variables: { input } });
        navigate(`/posts/${data!.createPost.id}/edit`, { state: { saved: true } });
        setStatus('Saved. You can add images now.');
      }
    } catch (error) {
      setProblem(inWords(error));
    }
  }

  async function upload(file: File) {
    if (!id) return;
    setProblem(null);
    if (!IMAGE_TYPES.includes(file.type)) return setProblem('Choose a JPEG, PNG, GIF, WebP or AVIF image.');
    try {
      const { data } = await createUpload({ variables: { postId: id, kind: 'IMAGE', mimeType: file.type, bytes: file.size, alt: alt || null } });
      setProgress(0);
      await putFile(data!.createUpload.url, file, setProgress);
      setStatus(`Added ${file.name}.`);
      setAlt('');
      await existing.refetch();
    } catch (error) {
      setProblem(error instanceof Error && !('errors' in error) ? error.message : inWords(error));
    } finally {
      setProgress(null);
    }
  }

  const images = post?.media?.filter((m) => m.kind === 'IMAGE') ?? [];
  return (
    <section aria-labelledby="editor-title">
      <h1 id="editor-title" ref={heading} tabIndex={-1}>
        {id ? 'Edit post' : 'Write a post'}
      </h1>
      <form onSubmit={save} className="editor">
        <div className="form">
          <label htmlFor="title">Title</label>
          <input id="title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} required />
          <label htmlFor="body">Text (Markdown)</label>
          <textarea id="body" value={body} onChange={(e) => setBody(e.target.value)} rows={14} required />
          <label className="inline">
            <input type="checkbox" checked={published} onChange={(e) => setPublished(e.target.checked)} /> Published
          </label>
          <button type="submit">Save</button>
          {id && <Link to={`/posts/${id}`}>View post</Link>}
        </div>
        <div className="preview" aria-labelledby="preview-title">
          <h2 id="preview-title">Preview</h2>
          <div className="body" dangerouslySetInnerHTML={{ __html: preview(body) }} />
        </div>
      </form>
      {status && <p role="status">{status}</p>}
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
      <section aria-labelledby="images-title" className="images">
        <h2 id="images-title">Images</h2>
        {!id && <p>Save the post first, then add images to it.</p>}
        {id && (
          <>
            {serviceDown(existing.error) && <p className="notice">Images are unavailable right now.</p>}
            <ul className="thumbs">
              {images.map((m) => (
                <li key={m.id}>
                  <img src={m.small} alt={m.alt ?? ''} width={160} />
                  <button
                    type="button"
                    aria-label={`Remove image${m.alt ? ` “${m.alt}”` : ''}`}
                    onClick={async () => {
                      try {
                        await deleteMedia({ variables: { id: m.id } });
                        setStatus('Image removed.');
                        await existing.refetch();
                      } catch (failure) {
                        setProblem(inWords(failure));
                      }
                    }}
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ul>
            <label htmlFor="alt">Description of the next image (alt text)</label>
            <input id="alt" value={alt} onChange={(e) => setAlt(e.target.value)} maxLength={500} />
            <label htmlFor="image">Add an image</label>
            <input id="image" type="file" accept={IMAGE_TYPES.join(',')} disabled={progress !== null} onChange={(e) => e.target.files?.[0] && upload(e.target.files[0])} />
            {progress !== null && (
              <progress value={progress} max={1} aria-label="Upload progress">
                {Math.round(progress * 100)}%
              </progress>
            )}
          </>
        )}
      </section>
    </section>
  );
}
