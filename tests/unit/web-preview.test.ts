import { preview } from '../../web/src/markdown';
import { renderMarkdown } from '../../subgraphs/posts/markdown';

/** What the server adds to every link and image, which the preview need not show. */
const normalise = (html: string) =>
  html
    .replace(/ (rel|loading|referrerpolicy)="[^"]*"/g, '')
    .replace(/ \/>/g, '>');

describe("the editor's preview", () => {
  it.each([
    ['a bare URL is text, not a link', 'see https://example.com/x'],
    ['a data: image keeps its alt, loses its source', '![d](data:image/png;base64,iVBORw0KGgo=)'],
    ['links keep only http(s), mailto and relative targets', '[x](data:text/html,hi) [y](javascript:alert(1)) [z](/posts/1) [m](mailto:a@b.test)'],
    ['http(s) images stay', '![c](https://x.test/c.png)'],
    ['raw HTML is text', '**boats** <b>raw</b> <script>alert(1)</script>'],
  ])('matches what the server stores: %s', (_, markdown) => {
    expect(normalise(preview(markdown))).toBe(normalise(renderMarkdown(markdown)));
  });
});
