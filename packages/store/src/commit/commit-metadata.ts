import { StoreError } from '../errors.js';
import type { Metadata } from '../objects/commit.js';

export interface CommitMetadataInput {
  /** `--add-metadata-string k=v`, in order; a repeated key is kept twice, as ostree keeps it */
  metadataStrings?: ReadonlyArray<readonly [string, string]>;
  /** the branch the commit is made for (`-b`), if any */
  branch?: string;
  /** false = `--no-bindings` */
  bindings?: boolean;
  /** the repository's core.collection-id, if set */
  collectionId?: string | null;
}

const REF_BINDING = 'ostree.ref-binding';
const COLLECTION_BINDING = 'ostree.collection-binding';

/**
 * The commit's `a{sv}` metadata exactly as `ostree commit` 2022.7 builds it
 * (ot-builtin-commit.c: parse_keyvalue_strings, then fill_bindings unless --no-bindings):
 * the metadata strings in the order given, duplicates kept; then `ostree.ref-binding`, an `as`
 * holding the branch, or EMPTY for an `--orphan` commit without `-b`; then
 * `ostree.collection-binding` from core.collection-id, unless a metadata string already set
 * that key (ostree lets `--add-metadata-string` override it).
 */
export function commitMetadata(input: CommitMetadataInput): Metadata {
  const metadata: Metadata = (input.metadataStrings ?? []).map(([k, v]) => {
    if (k === '') throw new StoreError('INVALID_ARGUMENT', 'metadata key must not be empty');
    return [k, { type: 's', value: v }];
  });
  if (input.bindings === false) return metadata;
  const userSetCollection = metadata.some(([k]) => k === COLLECTION_BINDING);
  metadata.push([REF_BINDING, { type: 'as', value: input.branch ? [input.branch] : [] }]);
  if (input.collectionId && !userSetCollection) metadata.push([COLLECTION_BINDING, { type: 's', value: input.collectionId }]);
  return metadata;
}
