import { renderMarkdown } from '../../subgraphs/posts/markdown';

describe('Markdown rendering', () => {
  it('renders Markdown to HTML', () => {
    expect(renderMarkdown('# Title\n\nSome **bold** and `code`.\n\n- one\n- two')).toBe(
      '<h1>Title</h1>\n<p>Some <strong>bold</strong> and <code>code</code>.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n',
    );
  });

  it('removes scripts, event handlers and javascript: URLs', () => {
    const html = renderMarkdown(
      '<script>alert(1)</script>\n\n<img src="https://x.test/a.png" onerror="alert(2)">\n\n[click](javascript:alert(3))\n\n<a href="data:text/html,hi">d</a>',
    );
    expect(html).not.toMatch(/<script|onerror|javascript:|data:text|alert\(1\)/i);
    expect(html).toContain('<img src="https://x.test/a.png" loading="lazy" />');
  });

  it('marks links nofollow and keeps http(s) targets', () => {
    expect(renderMarkdown('[site](https://example.com)')).toBe(
      '<p><a href="https://example.com" rel="nofollow noopener noreferrer">site</a></p>\n',
    );
  });

  it('escapes HTML-looking text inside code', () => {
    expect(renderMarkdown('`<b>x</b>`')).toBe('<p><code>&lt;b&gt;x&lt;/b&gt;</code></p>\n');
  });
});
