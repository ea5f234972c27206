// openpgp is ~400 KB: it is imported on first use only, so commands that neither sign nor
// verify with OpenPGP (and the fast `commit`/`status` bundles) never load it.
export type OpenPgp = typeof import('openpgp');

let loading: Promise<OpenPgp> | null = null;

export function loadOpenPgp(): Promise<OpenPgp> {
  loading ??= import('openpgp');
  return loading;
}
