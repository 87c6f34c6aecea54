import MarkdownIt from 'markdown-it';

/**
 * The editor's preview: Markdown as the server will render it, with raw HTML shown as text
 * (the server sanitises what it stores; the preview never runs what was typed).
 */
const md = new MarkdownIt({ html: false, linkify: true });
export const preview = (markdown: string): string => md.render(markdown);
