/**
 * The ASCII history graph of `git log --graph` (`*`, `|`, `/`, `\`, `_`, `-`, `.`), as a pure
 * function of commits in display order. A port of git's graph.c state machine (git 2.39,
 * without colours): columns of branch lines, a mapping of screen positions to columns that
 * collapses step by step, and the same rows before (octopus expansion), at and after
 * (post-merge, collapsing) each commit. Lines are returned without trailing blanks.
 */

export interface GraphCommit {
  id: string;
  /** parents that are shown too (git's "interesting" parents), in order */
  parents: readonly string[];
}

export interface GraphLine {
  /** the graph part of the line; on a commit's line it is padded to the graph's width, ready for the subject */
  graph: string;
  /** set on the line that shows the commit */
  commit?: string;
}

type State = 'padding' | 'skip' | 'preCommit' | 'commit' | 'postMerge' | 'collapsing';

const MERGE_CHARS = ['/', '|', '\\'] as const;

class Graph {
  commit = '';
  parents: readonly string[] = [];
  width = 0;
  expansionRow = 0;
  state: State = 'padding';
  prevState: State = 'padding';
  commitIndex = 0;
  prevCommitIndex = 0;
  mergeLayout = -1;
  edgesAdded = 0;
  prevEdgesAdded = 0;
  columns: string[] = [];
  newColumns: string[] = [];
  mapping: number[] = [];
  oldMapping: number[] = [];
  mappingSize = 0;

  get numParents(): number {
    return this.parents.length;
  }

  update(c: GraphCommit): void {
    this.commit = c.id;
    this.parents = c.parents;
    this.prevCommitIndex = this.commitIndex;
    this.updateColumns();
    this.expansionRow = 0;
    if (this.state !== 'padding') this.state = 'skip';
    else if (this.needsPreCommitLine()) this.state = 'preCommit';
    else this.state = 'commit';
  }

  private needsPreCommitLine(): boolean {
    return this.numParents >= 3 && this.commitIndex < this.columns.length - 1 && this.expansionRow < (this.numParents - 2) * 2;
  }

  private updateColumns(): void {
    this.columns = this.newColumns;
    this.newColumns = [];
    const maxNew = this.columns.length + this.numParents;
    this.mappingSize = 2 * maxNew;
    this.mapping = new Array<number>(this.mappingSize).fill(-1);
    this.width = 0;
    this.prevEdgesAdded = this.edgesAdded;
    this.edgesAdded = 0;
    let seenThis = false;
    for (let i = 0; i <= this.columns.length; i++) {
      let colCommit: string;
      if (i === this.columns.length) {
        if (seenThis) break;
        colCommit = this.commit;
      } else {
        colCommit = this.columns[i]!;
      }
      if (colCommit === this.commit) {
        seenThis = true;
        this.commitIndex = i;
        this.mergeLayout = -1;
        for (const p of this.parents) this.insertIntoNewColumns(p, i);
        // The commit takes at least 2 places, even with no parent shown.
        if (this.numParents === 0) this.width += 2;
      } else {
        this.insertIntoNewColumns(colCommit, -1);
      }
    }
    while (this.mappingSize > 1 && this.mapping[this.mappingSize - 1]! < 0) this.mappingSize--;
  }

  private insertIntoNewColumns(commit: string, idx: number): void {
    let i = this.newColumns.indexOf(commit);
    if (i < 0) {
      i = this.newColumns.length;
      this.newColumns.push(commit);
    }
    let mappingIdx: number;
    if (this.numParents > 1 && idx > -1 && this.mergeLayout === -1) {
      // The first parent of a merge: lay the merge out by where that parent's column is.
      const dist = idx - i;
      const shift = dist > 1 ? 2 * dist - 3 : 1;
      this.mergeLayout = dist > 0 ? 0 : 1;
      this.edgesAdded = this.numParents + this.mergeLayout - 2;
      mappingIdx = this.width + (this.mergeLayout - 1) * shift;
      this.width += 2 * this.mergeLayout;
    } else if (this.edgesAdded > 0 && i === this.mapping[this.width - 2]) {
      // A parent found in the last existing column joins the merge's edge at once.
      mappingIdx = this.width - 2;
      this.edgesAdded = -1;
    } else {
      mappingIdx = this.width;
      this.width += 2;
    }
    this.mapping[mappingIdx] = i;
  }

  private setState(s: State): void {
    this.prevState = this.state;
    this.state = s;
  }

  private mappingCorrect(): boolean {
    for (let i = 0; i < this.mappingSize; i++) {
      const target = this.mapping[i]!;
      if (target < 0 || target === Math.floor(i / 2)) continue;
      return false;
    }
    return true;
  }

  /** The next line; `shown` when it is the commit's own line. */
  nextLine(): { text: string; shown: boolean } {
    let text = '';
    let shown = false;
    switch (this.state) {
      case 'padding':
        text = this.paddingLine();
        break;
      case 'skip':
        text = this.skipLine();
        break;
      case 'preCommit':
        text = this.preCommitLine();
        break;
      case 'commit':
        text = this.commitLine();
        shown = true;
        break;
      case 'postMerge':
        text = this.postMergeLine();
        break;
      case 'collapsing':
        text = this.collapsingLine();
        break;
    }
    if (text.length < this.width) text += ' '.repeat(this.width - text.length);
    return { text, shown };
  }

  get finished(): boolean {
    return this.state === 'padding';
  }

  private paddingLine(): string {
    return this.newColumns.map(() => '| ').join('');
  }

  private skipLine(): string {
    this.setState(this.needsPreCommitLine() ? 'preCommit' : 'commit');
    return '...';
  }

  private preCommitLine(): string {
    let out = '';
    let seenThis = false;
    for (let i = 0; i < this.columns.length; i++) {
      if (this.columns[i] === this.commit) {
        seenThis = true;
        out += '|' + ' '.repeat(this.expansionRow);
      } else if (seenThis && this.expansionRow === 0) {
        out += this.prevState === 'postMerge' && this.prevCommitIndex < i ? '\\' : '|';
      } else if (seenThis && this.expansionRow > 0) {
        out += '\\';
      } else {
        out += '|';
      }
      out += ' ';
    }
    this.expansionRow++;
    if (!this.needsPreCommitLine()) this.setState('commit');
    return out;
  }

  private octopusDashes(): string {
    const dashed = this.numParents + this.mergeLayout - 3;
    let out = '';
    for (let i = 0; i < dashed; i++) out += i === dashed - 1 ? '-.' : '--';
    return out;
  }

  private commitLine(): string {
    let out = '';
    let seenThis = false;
    for (let i = 0; i <= this.columns.length; i++) {
      let colCommit: string;
      if (i === this.columns.length) {
        if (seenThis) break;
        colCommit = this.commit;
      } else {
        colCommit = this.columns[i]!;
      }
      if (colCommit === this.commit) {
        seenThis = true;
        out += '*';
        if (this.numParents > 2) out += this.octopusDashes();
      } else if (seenThis && this.edgesAdded > 1) {
        out += '\\';
      } else if (seenThis && this.edgesAdded === 1) {
        // A right-skewed 2-way or left-skewed 3-way merge: keep a '\' coming from a post-merge row.
        out += this.prevState === 'postMerge' && this.prevEdgesAdded > 0 && this.prevCommitIndex < i ? '\\' : '|';
      } else if (this.prevState === 'collapsing' && this.oldMapping[2 * i + 1] === i && this.mapping[2 * i]! < i) {
        out += '/';
      } else {
        out += '|';
      }
      out += ' ';
    }
    if (this.numParents > 1) this.setState('postMerge');
    else if (this.mappingCorrect()) this.setState('padding');
    else this.setState('collapsing');
    return out;
  }

  private postMergeLine(): string {
    let out = '';
    let seenThis = false;
    let parentCol: string | null = null;
    const firstParent = this.parents[0];
    for (let i = 0; i <= this.columns.length; i++) {
      let colCommit: string;
      if (i === this.columns.length) {
        if (seenThis) break;
        colCommit = this.commit;
      } else {
        colCommit = this.columns[i]!;
      }
      if (colCommit === this.commit) {
        seenThis = true;
        let idx = this.mergeLayout;
        for (let j = 0; j < this.numParents; j++) {
          out += MERGE_CHARS[idx]!;
          if (idx === 2) {
            if (this.edgesAdded > 0 || j < this.numParents - 1) out += ' ';
          } else {
            idx++;
          }
        }
        if (this.edgesAdded === 0) out += ' ';
      } else if (seenThis) {
        out += this.edgesAdded > 0 ? '\\ ' : '| ';
      } else {
        out += '|';
        if (this.mergeLayout !== 0 || i !== this.commitIndex - 1) out += parentCol !== null ? '_' : ' ';
      }
      if (colCommit === firstParent) parentCol = colCommit;
    }
    this.setState(this.mappingCorrect() ? 'padding' : 'collapsing');
    return out;
  }

  private collapsingLine(): string {
    let usedHorizontal = false;
    let horizontalEdge = -1;
    let horizontalEdgeTarget = -1;
    [this.mapping, this.oldMapping] = [this.oldMapping, this.mapping];
    for (let i = 0; i < this.mappingSize; i++) this.mapping[i] = -1;
    for (let i = 0; i < this.mappingSize; i++) {
      const target = this.oldMapping[i]!;
      if (target < 0) continue;
      // Branch lines only ever move left, so crossings stay legible.
      if (target * 2 === i) {
        this.mapping[i] = target;
      } else if (this.mapping[i - 1]! < 0) {
        this.mapping[i - 1] = target;
        if (horizontalEdge === -1) {
          horizontalEdge = i;
          horizontalEdgeTarget = target;
          for (let j = target * 2 + 3; j < i - 2; j += 2) this.mapping[j] = target;
        }
      } else if (this.mapping[i - 1] === target) {
        // Shares its parent with the line to its left: they join.
      } else {
        this.mapping[i - 2] = target;
        if (horizontalEdge === -1) {
          horizontalEdgeTarget = target;
          horizontalEdge = i - 1;
          for (let j = target * 2 + 3; j < i - 2; j += 2) this.mapping[j] = target;
        }
      }
    }
    this.oldMapping = this.mapping.slice();
    if (this.mapping[this.mappingSize - 1]! < 0) this.mappingSize--;
    let out = '';
    for (let i = 0; i < this.mappingSize; i++) {
      const target = this.mapping[i]!;
      if (target < 0) {
        out += ' ';
      } else if (target * 2 === i) {
        out += '|';
      } else if (target === horizontalEdgeTarget && i !== horizontalEdge - 1) {
        // Only the first segment of a horizontal run continues into the next line.
        if (i !== target * 2 + 3) this.mapping[i] = -1;
        usedHorizontal = true;
        out += '_';
      } else {
        if (usedHorizontal && i < horizontalEdge) this.mapping[i] = -1;
        out += '/';
      }
    }
    if (this.mappingCorrect()) this.setState('padding');
    return out;
  }
}

/**
 * The graph lines for `commits` in display order (children before parents, as walkCommits
 * `topo` gives them): per commit, the rows up to its own line, then the rows that finish its
 * edges (post-merge and collapsing rows), as `git log --graph` prints them.
 */
export function renderGraph(commits: readonly GraphCommit[]): GraphLine[] {
  const g = new Graph();
  const out: GraphLine[] = [];
  for (const c of commits) {
    g.update(c);
    for (;;) {
      const { text, shown } = g.nextLine();
      out.push(shown ? { graph: text, commit: c.id } : { graph: text.trimEnd() });
      if (shown) break;
    }
    while (!g.finished) out.push({ graph: g.nextLine().text.trimEnd() });
  }
  return out;
}
