import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { parse, validate } from 'graphql';
import { splitOperations } from '../../bff-mobile/documents';
import { buildManifest } from '../../bff-mobile/manifest';
import { MANIFEST_FILE, safelist, sha256 } from '../../bff-mobile/safelist';
import { excerpt } from '../../bff-mobile/shape';
import { SUPERGRAPH_SDL } from '../../lib/graphql/composition';
import { HttpError } from '../../lib/http/server';

const MOBILE = path.resolve(__dirname, '..', '..', 'bff-mobile');

describe('bff-mobile', () => {
  it('backs its resolvers with supergraph operations that are valid against the composed API, each on its own', () => {
    const api = Supergraph.build(readFileSync(SUPERGRAPH_SDL, 'utf8')).apiSchema().toGraphQLJSSchema();
    const operations = splitOperations(parse(readFileSync(path.join(MOBILE, 'operations.graphql'), 'utf8')).definitions);
    expect(operations.map((op) => op.name)).toEqual(
      expect.arrayContaining(['MobileFeed', 'MobilePost', 'MobileProfileByHandle', 'MobileMe', 'MobileSignIn', 'MobileCreatePost', 'MobileStartUpload']),
    );
    for (const op of operations) expect([op.name, validate(api, op.document).map((e) => e.message)]).toEqual([op.name, []]);
  });

  it('commits a manifest that matches the client operations (run `npm run mobile:manifest` when this fails)', () => {
    const built = buildManifest(path.join(MOBILE, 'client', 'operations'), path.join(MOBILE, 'schema.graphql'));
    expect(JSON.parse(readFileSync(MANIFEST_FILE, 'utf8'))).toEqual(built);
    for (const op of built.operations) expect(op.id).toBe(sha256(op.body));
  });

  it('fills in a listed operation’s text from its hash and refuses everything else before parsing', () => {
    const manifest = { format: 'apollo-persisted-query-manifest' as const, version: 1 as const, operations: [{ id: sha256('{ a }'), name: 'A', type: 'query' as const, body: '{ a }' }] };
    const check = safelist([manifest]);
    const extensions = { persistedQuery: { version: 1, sha256Hash: sha256('{ a }') } };
    expect(check({ method: 'POST', body: { extensions }, search: '' }).body).toEqual({ extensions, query: '{ a }' });
    expect(new URLSearchParams(check({ method: 'GET', body: undefined, search: `?extensions=${encodeURIComponent(JSON.stringify(extensions))}` }).search).get('query')).toBe('{ a }');
    for (const body of [{ query: '{ a }' }, { query: '{ b }', extensions }, { extensions: { persistedQuery: { sha256Hash: 'x' } } }, 'text', null]) {
      expect(() => check({ method: 'POST', body, search: '' })).toThrow(HttpError);
    }
  });

  it('makes excerpts of plain text, cut at a word near 140 characters', () => {
    expect(excerpt('<h1>Title</h1>\n<p>Some <strong>bold</strong>: &amp; more</p>')).toBe('Title Some bold: & more');
    const long = excerpt(`<p>${'word '.repeat(60)}</p>`);
    expect([...long].length).toBeLessThanOrEqual(141);
    expect(long).toMatch(/word…$/);
  });
});
