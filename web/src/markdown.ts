import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';

/**
 * The editor's preview: Markdown as the server will render it (subgraphs/posts/markdown.ts),
 * with raw HTML shown as text (the server sanitises what it stores; the preview never runs
 * what was typed). Same options as the server: no bare-URL links, and links and images only
 * with the schemes it keeps (a data: image the server drops is not shown here either).
 */
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;
/** The server's sanitiser keeps href only with these schemes, and img src only with http(s). */
const allowed = (url: string, schemes: RegExp) => !HAS_SCHEME.test(url.trim()) || schemes.test(url.trim());
const dropUnless = (attribute: string, schemes: RegExp) => (tokens: Token[], index: number) => {
  const token = tokens[index];
  if (!allowed(String(token.attrGet(attribute) ?? ''), schemes)) token.attrs = (token.attrs ?? []).filter(([name]) => name !== attribute);
};
const keepLink = dropUnless('href', /^(https?:|mailto:)/i);
const keepImage = dropUnless('src', /^https?:/i);
const renderLink = md.renderer.rules.link_open ?? ((tokens, index, options, _env, self) => self.renderToken(tokens, index, options));
const renderImage = md.renderer.rules.image!;
md.renderer.rules.link_open = (tokens, index, options, env, self) => (keepLink(tokens, index), renderLink(tokens, index, options, env, self));
md.renderer.rules.image = (tokens, index, options, env, self) => (keepImage(tokens, index), renderImage(tokens, index, options, env, self));
export const preview = (markdown: string): string => md.render(markdown);
