import { renderMarkdown } from '../../subgraphs/posts/markdown';

describe('Markdown rendering', () => {
  it('renders Markdown to HTML', () => {
    expect(renderMarkdown('# Title\n\nSome **bold** and `code`.\n\n- one\n- two')).toBe(
      '<h1>Title</h1>\n<p>Some <strong>bold</strong> and <code>code</code>.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n',
    );
  });

  it('shows raw HTML as text, so no script, event handler or element survives', () => {
    const html = renderMarkdown('<script>alert(1)</script>\n\n<img src="https://x.test/a.png" onerror="alert(2)">');
    expect(html).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n<p>&lt;img src="https://x.test/a.png" onerror="alert(2)"&gt;</p>\n');
  });

  it('drops javascript:, data: and protocol-relative link targets', () => {
    for (const target of ['javascript:alert(3)', 'data:text/html,hi', '//evil.example/x', 'vbscript:x']) {
      const html = renderMarkdown(`[click](${target}) ![pic](${target})`);
      expect(html).not.toMatch(/href="(javascript|data|vbscript):|src="(javascript|data|vbscript):|="\/\/evil/);
    }
  });

  it('keeps images from http(s), lazy and without referrer', () => {
    expect(renderMarkdown('![a cat](https://x.test/cat.png)')).toBe(
      '<p><img src="https://x.test/cat.png" alt="a cat" loading="lazy" referrerpolicy="no-referrer" /></p>\n',
    );
  });

  it('marks links nofollow and keeps http(s) targets', () => {
    expect(renderMarkdown('[site](https://example.com)')).toBe('<p><a href="https://example.com" rel="nofollow noopener noreferrer">site</a></p>\n');
  });

  it('keeps code language classes and nothing else', () => {
    expect(renderMarkdown('```ts\nlet x = 1;\n```')).toBe('<pre><code class="language-ts">let x = 1;\n</code></pre>\n');
  });

  it('renders pathological input of the maximum size quickly and without crashing', () => {
    for (const input of ['>'.repeat(2000), '*a'.repeat(50_000), '- '.repeat(5_000) + 'x', '['.repeat(100_000)]) {
      // CPU time, not wall time: other suites share the machine's two cores, and rendering is
      // synchronous, so this process's CPU use is the rendering's cost. The point is seconds
      // versus milliseconds.
      const started = process.cpuUsage();
      expect(typeof renderMarkdown(input)).toBe('string');
      const { user, system } = process.cpuUsage(started);
      expect((user + system) / 1000).toBeLessThan(1500);
    }
  });
});
