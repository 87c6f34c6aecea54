import { isId } from '../../../lib/graphql/errors';

/** The id of a reference from another subgraph's data, lower-cased; null when it cannot be one. */
export const referenceId = (id: string) => (isId(id) ? id.toLowerCase() : null);
