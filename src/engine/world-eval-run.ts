// The evaluation table of a world-trained pack (see world-eval.ts): per style adapted by text, by reference picture,
// by NADA domain, on held-out style x attribute combinations, and the /edit directions.
import { EngineInputError } from './errors.js';
import { alphaPerEditStrength } from './styleclip.js';
import {
  contentAgreement,
  type EditRow,
  fraction,
  JUDGED_ATTRIBUTES,
  type JudgedAttribute,
  type StyleRow,
  truthL1,
  type Verdicts,
  WorldJudge,
} from './world-eval.js';
import type { DomainScores, Engine, RgbImage } from './types.js';

export interface WorldEvaluation {
  judgeDir: string;
  samples: number;
  styles: Array<StyleRow & Partial<DomainScores>>;
  /** the /edit strength of the edit rows, and the StyleCLIP α it asks for (α = strength · the pack's alphaPerEditStrength) */
  editStrength: number;
  editAlpha: number;
  /** the disentanglement threshold β of the edit rows when one was asked for (absent: the engine's default) */
  editDisentanglement?: number;
  edits: EditRow[];
}

/** The attributes an /edit is measured on, and the text it is asked with. */
const EDITS: Array<{ text: string; attribute: 'smile' | 'glasses' }> = [
  { text: 'smiling', attribute: 'smile' },
  { text: 'glasses', attribute: 'glasses' },
];

/** The renderer's pictures of the evaluation faces in one style, and the judge's verdicts on them. */
interface StyleTruth {
  style: string;
  pictures: Float32Array;
  verdicts: Verdicts;
}

async function styleTruth(judge: WorldJudge, style: string): Promise<StyleTruth> {
  const pictures = await judge.truth(style);
  const verdicts = await judge.judge([...Array(judge.set.count).keys()].map((i) => judge.truthImage(pictures, i)));
  return { style, pictures, verdicts };
}

function styleRow(
  judge: WorldJudge,
  truth: StyleTruth,
  kind: StyleRow['kind'],
  after: RgbImage[],
  verdicts: Verdicts,
  before: Verdicts,
  only?: number[],
): StyleRow {
  const k = judge.set.styles.indexOf(truth.style);
  const idx = only ?? after.map((_, i) => i);
  // only what the style leaves readable on the renderer's own pictures (a pencil sketch has no hair colour)
  const contentOf = readableIn(judge, truth.style);
  return {
    style: truth.style,
    kind,
    heldOut: judge.set.heldOut.includes(truth.style) || kind === 'combo',
    styleAccuracy: fraction(idx.map((i) => verdicts.style[i] === k)),
    contentAgreement: contentAgreement(before, verdicts, idx, contentOf),
    truthContent: kind === 'base' ? undefined : contentAgreement(before, truth.verdicts, idx, contentOf),
    contentOf,
    truthL1: truthL1(after, judge, truth.pictures, idx),
    samples: idx.length,
  };
}

/** One-shot adaptation from a reference picture: every face from the renderer's picture of each other face in the
 * style (n·(n−1) pairs), since some pictures of a style lead the hypernetwork further than others and a row from one
 * picture would be all or nothing. */
async function referenceRow(
  engine: Engine,
  judge: WorldJudge,
  truth: StyleTruth,
  ws: Float32Array,
  before: Verdicts,
  n: number,
): Promise<StyleRow> {
  const perReference: StyleRow[] = [];
  for (let r = 0; r < n; r++) {
    const domain = await engine.domainFromImage({ image: judge.truthImage(truth.pictures, r) });
    const after = (await engine.generate({ samples: { ws, n }, domain })).images;
    const others = [...Array(n).keys()].filter((i) => i !== r);
    perReference.push(styleRow(judge, truth, 'reference', after, await judge.judge(after), before, others));
  }
  // every reference judges the same number of faces, so the mean of the rows is the measure over all pairs
  const mean = (of: (row: StyleRow) => number) => perReference.reduce((sum, row) => sum + of(row), 0) / perReference.length;
  return {
    ...perReference[0],
    styleAccuracy: mean((row) => row.styleAccuracy),
    contentAgreement: mean((row) => row.contentAgreement),
    truthContent: mean((row) => row.truthContent ?? Number.NaN),
    truthL1: mean((row) => row.truthL1),
    samples: perReference.length * perReference[0].samples,
  };
}

function readableIn(judge: WorldJudge, style: string): readonly JudgedAttribute[] {
  const { readable } = judge.set;
  if (!readable) return JUDGED_ATTRIBUTES;
  return JUDGED_ATTRIBUTES.filter((name) => readable[style]?.includes(name) && readable.photo?.includes(name));
}

export async function runWorldEvaluation(
  engine: Engine,
  judgeDir: string,
  /** editStrength: the edit rows' /edit strength (default 1, issue 10's target), run as StyleCLIP α = strength · alphaPerEditStrength(pack); editDisentanglement: their β */
  opts: {
    samples?: number;
    scoreSamples?: number;
    editStrength?: number;
    editDisentanglement?: number;
    styles?: string[];
    edits?: boolean;
  } = {},
): Promise<WorldEvaluation> {
  const editStrength = opts.editStrength ?? 1;
  const editAlpha = editStrength * alphaPerEditStrength(engine.manifest);
  const judge = await WorldJudge.open(judgeDir);
  try {
    const set = judge.set;
    if (set.latentDim !== engine.manifest.latentDim || set.resolution !== engine.manifest.resolution) {
      throw new EngineInputError(
        `the judge's world (${set.resolution} px, z of ${set.latentDim}) is not this pack's (${engine.manifest.resolution} px, z of ${engine.manifest.latentDim})`,
      );
    }
    const n = Math.min(opts.samples ?? set.count, set.count);
    const z = (await judge.latents()).subarray(0, n * set.latentDim);
    const base = await engine.generate({ samples: { z, n }, truncation: 1 });
    const before = await judge.judge(base.images);
    const source = set.phrases.photo;
    const rows: WorldEvaluation['styles'] = [];
    if (!opts.styles) {
      // the base generator itself: its unchanged faces against the renderer's photo of the same faces
      const photo = await styleTruth(judge, 'photo');
      rows.push(styleRow(judge, photo, 'base', base.images, before, photo.verdicts));
    }
    const attributeIndex = (name: string) => set.attributes.indexOf(name);
    const attrs = await judge.attributes();
    const truths = new Map<string, StyleTruth>();
    for (const style of set.styles.filter((s) => s !== 'photo' && (!opts.styles || opts.styles.includes(s)))) {
      const truth = await styleTruth(judge, style);
      truths.set(style, truth);
      const domain = await engine.domainFromText({ target: set.phrases[style], source });
      const after = (await engine.generate({ samples: { ws: base.ws, n }, domain })).images;
      const verdicts = await judge.judge(after);
      const scores = await engine.evaluate({ domain, target: { text: set.phrases[style] }, samples: opts.scoreSamples ?? 8 });
      rows.push({ ...styleRow(judge, truth, 'text', after, verdicts, before), ...scores });
      for (const [comboStyle, attribute] of set.heldOutCombos) {
        if (comboStyle !== style) continue;
        const a = attributeIndex(attribute);
        const only = [...Array(n).keys()].filter((i) => attrs[i * set.attributes.length + a] > 0.5);
        if (only.length) rows.push({ ...styleRow(judge, truth, 'combo', after, verdicts, before, only), style: `${style} + ${attribute}` });
      }
      rows.push(await referenceRow(engine, judge, truth, base.ws, before, n));
    }
    for (const nada of opts.styles ? [] : engine.manifest.domains) {
      const style = set.styles.find((s) => nada.prompt && set.phrases[s] === nada.prompt) ?? set.styles.find((s) => nada.name === s);
      if (!style) continue;
      const after = (await engine.generate({ samples: { ws: base.ws, n }, nadaDomain: nada.name })).images;
      const truth = truths.get(style) ?? (await styleTruth(judge, style));
      rows.push(styleRow(judge, truth, 'nada', after, await judge.judge(after), before));
    }
    const edits: EditRow[] = [];
    for (const edit of opts.edits === false ? [] : EDITS) {
      const { delta } = await engine.editDirection({ target: edit.text, strength: editAlpha, disentanglement: opts.editDisentanglement });
      const after = (await engine.generate({ samples: { ws: base.ws, n }, styleDelta: delta })).images;
      const verdicts = await judge.judge(after);
      const without = [...Array(n).keys()].filter((i) => !before[edit.attribute][i]);
      edits.push({
        edit: edit.text,
        attribute: edit.attribute,
        changed: fraction(without.map((i) => verdicts[edit.attribute][i])),
        // the judged style before vs after: an edit must not restyle the face (whatever the judge calls the base)
        styleKept: fraction(verdicts.style.map((s, i) => s === before.style[i])),
        samples: without.length,
      });
    }
    return { judgeDir, samples: n, styles: rows, editStrength, editAlpha, editDisentanglement: opts.editDisentanglement, edits };
  } finally {
    await judge.close();
  }
}

/** The table as text, one line per row. */
export function formatWorldEvaluation(e: WorldEvaluation): string {
  const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '   –  ' : `${(100 * x).toFixed(1).padStart(5)}%`);
  const lines = [
    `world evaluation: ${e.samples} faces, judge ${e.judgeDir}`,
    'style                          how        held  judge   content  truth kept  |Δ truth|  sem.score  diversity  content of',
  ];
  for (const r of e.styles) {
    lines.push(
      `${r.style.padEnd(30)} ${r.kind.padEnd(10)} ${r.heldOut ? 'yes ' : 'no  '} ${pct(r.styleAccuracy)} ${pct(r.contentAgreement)}   ${pct(r.truthContent)}    ${r.truthL1.toFixed(3)}     ${r.semanticScore?.toFixed(3) ?? '  –  '}      ${r.diversity?.toFixed(3) ?? '  –  '}      ${r.contentOf.join(', ')}`,
    );
  }
  const beta = e.editDisentanglement === undefined ? '' : `, β ${e.editDisentanglement}`;
  lines.push(`edit at /edit strength ${e.editStrength} (StyleCLIP α ${Number(e.editAlpha.toFixed(3))}${beta})`);
  lines.push('edit        attribute  changed  style kept  (samples without it before)');
  for (const r of e.edits)
    lines.push(`${r.edit.padEnd(11)} ${r.attribute.padEnd(10)} ${pct(r.changed)}  ${pct(r.styleKept)}    ${r.samples}`);
  return lines.join('\n');
}
