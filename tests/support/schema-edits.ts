import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compose, readSupergraphConfig } from '../../lib/graphql/composition';

/**
 * Posts' SDL with `from` replaced by `to` inside `type Post` only (other types have fields of the
 * same name); throws when `from` is not there, so that a test cannot pass on an edit that did nothing.
 */
export function editPostType(sdl: string, from: string, to: string): string {
  const edited = sdl.replace(new RegExp(`(type Post @key[^{]*\\{[^}]*?)${from}`), `$1${to}`);
  if (edited === sdl) throw new Error(`no ${JSON.stringify(from)} in type Post`);
  return edited;
}

/**
 * The supergraph of the project's subgraphs with posts' schema edited by `edit`, its edited copy
 * written to `dir`: the repository's files are never touched.
 */
export function composeWithPosts(dir: string, edit: (sdl: string) => string): string {
  const subgraphs = readSupergraphConfig().map((s) => {
    if (s.name !== 'posts') return s;
    const file = path.join(dir, 'posts.graphql');
    writeFileSync(file, edit(readFileSync(s.schemaFile, 'utf8')));
    return { ...s, schemaFile: file };
  });
  const result = compose(subgraphs);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.supergraphSdl;
}
