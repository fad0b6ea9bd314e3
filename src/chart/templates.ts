// The chart's Go templates (charts/gingham/templates/*.yaml), generated from renderManifests so TypeScript stays the one
// source: every value is rendered as a sentinel that becomes `{{ .Values.x }}`, and each value that changes the shape
// of an object (datastore, etcd TLS, reflectors, encapsulation) becomes an `{{- if }}` over the renders of its options,
// kept only where the options differ. renderTemplate is the subset of Go's text/template these files use (if / else if
// / else / end on their own lines, eq, `.Values.x`, `| int64`, `| quote`, `join`), so the tests render the templates with each
// golden value set without a Helm binary and compare with renderManifests.
import { stringify } from 'yaml';
import { GinghamError } from '../lib/errors';
import { renderManifests } from './render';
import { DEFAULT_VALUES, ENCAPSULATIONS, type ChartValues } from './values';

export class TemplateError extends GinghamError {
  constructor(message: string) {
    super('CHART_TEMPLATE', message);
  }
}

const S = (path: string): string => `zzV.${path}.Vzz`;
const SENTINEL = /zzV\.([A-Za-z.]+?)\.Vzz/g;

interface Switch {
  readonly path: string;
  /** Go condition per option, in order; the last option is the `else` branch. */
  readonly options: ReadonlyArray<{ cond: string; set: (v: Mutable) => void }>;
}
type Mutable = { -readonly [K in keyof ChartValues]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- a values tree being filled with sentinels

const SWITCHES: readonly Switch[] = [
  {
    path: 'datastore.type',
    options: [
      { cond: 'eq .Values.datastore.type "etcd"', set: (v) => { v.datastore.type = 'etcd'; } },
      { cond: '', set: (v) => { v.datastore.type = 'kubernetes'; } },
    ],
  },
  {
    path: 'datastore.etcd.tlsSecret',
    options: [
      { cond: '.Values.datastore.etcd.tlsSecret', set: (v) => { v.datastore.etcd.tlsSecret = S('datastore.etcd.tlsSecret'); } },
      { cond: '', set: (v) => { v.datastore.etcd.tlsSecret = ''; } },
    ],
  },
  {
    path: 'routeReflectors.enabled',
    options: [
      { cond: '.Values.routeReflectors.enabled', set: (v) => { v.routeReflectors.enabled = true; } },
      { cond: '', set: (v) => { v.routeReflectors.enabled = false; } },
    ],
  },
  {
    path: 'encapsulation',
    options: ENCAPSULATIONS.map((e, i) => ({ cond: i === ENCAPSULATIONS.length - 1 ? '' : `eq .Values.encapsulation "${e}"`, set: (v: Mutable) => { v.encapsulation = e; } })),
  },
];

function sentinelValues(): Mutable {
  return {
    namespace: S('namespace'),
    image: { repository: S('image.repository'), tag: S('image.tag'), pullPolicy: S('image.pullPolicy') },
    datastore: { type: 'kubernetes', etcd: { endpoints: [S('datastore.etcd.endpoints')], tlsSecret: '' } },
    pool: { cidr: S('pool.cidr'), blockSize: S('pool.blockSize') },
    encapsulation: 'none',
    asNumber: S('asNumber'),
    ipAutodetectionMethod: S('ipAutodetectionMethod'),
    mtu: S('mtu'),
    routeReflectors: { enabled: false, perZone: S('routeReflectors.perZone'), zoneLabel: S('routeReflectors.zoneLabel'), nodeSelector: S('routeReflectors.nodeSelector'), clusterID: S('routeReflectors.clusterID') },
  };
}

/**
 * Integer values: Helm decodes values.yaml numbers as float64, which `quote` prints as 4.2e+09; `int64` first keeps a
 * four-byte AS number whole.
 */
const INTEGERS = new Set(['asNumber', 'pool.blockSize', 'mtu', 'routeReflectors.perZone']);

/** One object's YAML with sentinels turned into template actions. */
function templated(obj: object): string {
  return stringify(obj, { lineWidth: 0 })
    .split('\n')
    .map((line) => {
      const whole = /^(\s*(?:- )?(?:[\w.-]+: )?)zzV\.([A-Za-z.]+?)\.Vzz$/.exec(line);
      if (whole) {
        const p = whole[2] ?? '';
        const expr = p === 'datastore.etcd.endpoints' ? 'join "," .Values.datastore.etcd.endpoints' : INTEGERS.has(p) ? `.Values.${p} | int64` : `.Values.${p}`;
        return `${whole[1] ?? ''}{{ ${expr} | quote }}`;
      }
      return line.replace(SENTINEL, (_m, p: string) => `{{ .Values.${p} }}`);
    })
    .join('\n');
}

function variants(index: number, switches: readonly Switch[], values: Mutable): string {
  const [sw, ...rest] = switches;
  if (!sw) {
    const obj = renderManifests(values as ChartValues)[index];
    if (!obj) throw new TemplateError(`no object ${index}`);
    return templated(obj);
  }
  const texts = sw.options.map((o) => {
    const v = structuredClone(values);
    o.set(v);
    return variants(index, rest, v);
  });
  if (texts.every((t) => t === texts[0])) return texts[0] ?? '';
  const out: string[] = [];
  sw.options.forEach((o, i) => {
    if (i === 0) out.push(`{{- if ${o.cond} }}`);
    else if (o.cond) out.push(`{{- else if ${o.cond} }}`);
    else out.push('{{- else }}');
    out.push((texts[i] ?? '').replace(/\n$/, ''));
  });
  out.push('{{- end }}');
  return `${out.join('\n')}\n`;
}

/** charts/gingham/templates/<kind>-<name>.yaml -> text. */
export function chartTemplates(header: string): Map<string, string> {
  const files = new Map<string, string>();
  renderManifests(DEFAULT_VALUES).forEach((o, i) => {
    files.set(`charts/gingham/templates/${o.kind.toLowerCase()}-${o.metadata.name}.yaml`, `${header.replace(/^# /, '{{/* ').replace(/\n$/, ' */}}\n')}${variants(i, SWITCHES, sentinelValues())}`);
  });
  return files;
}

function lookup(values: unknown, path: string): unknown {
  let cur: unknown = values;
  for (const k of path.split('.')) cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[k] : undefined;
  return cur;
}

function truthy(x: unknown): boolean {
  return !(x === undefined || x === null || x === false || x === '' || x === 0 || (Array.isArray(x) && x.length === 0));
}

function evalCond(cond: string, values: unknown): boolean {
  const eq = /^eq \.Values\.([\w.]+) "([^"]*)"$/.exec(cond);
  if (eq) return lookup(values, eq[1] ?? '') === eq[2];
  const v = /^\.Values\.([\w.]+)$/.exec(cond);
  if (v) return truthy(lookup(values, v[1] ?? ''));
  throw new TemplateError(`unsupported condition "${cond}"`);
}

function evalAction(action: string, values: unknown): string {
  const m = /^(?:join "([^"]*)" )?\.Values\.([\w.]+)( \| int64)?( \| quote)?$/.exec(action.trim());
  if (!m) throw new TemplateError(`unsupported action "{{ ${action} }}"`);
  const raw = lookup(values, m[2] ?? '');
  if (raw === undefined) throw new TemplateError(`.Values.${m[2] ?? ''} is not set`);
  if (m[3] && !Number.isInteger(raw)) throw new TemplateError(`.Values.${m[2] ?? ''}: int64 of a non-integer ${JSON.stringify(raw)}`);
  const text = m[1] !== undefined ? (raw as unknown[]).join(m[1]) : String(raw);
  return m[4] ? JSON.stringify(text) : text;
}

/** Renders a template of the subset above with `.Values` = values. */
export function renderTemplate(text: string, values: unknown): string {
  const out: string[] = [];
  // Each open `if`: whether a branch was taken already, whether the current branch is live.
  const stack: Array<{ taken: boolean; live: boolean }> = [];
  const live = (): boolean => stack.every((s) => s.live);
  for (const line of text.split('\n')) {
    const ctl = /^\{\{- (if|else if|else|end)\s*(.*?)\s*\}\}$/.exec(line);
    if (/^\{\{\/\*.*\*\/\}\}$/.test(line)) continue;
    if (ctl) {
      const [, kw, cond = ''] = ctl;
      const top = stack[stack.length - 1];
      if (kw === 'if') {
        const parentLive = live();
        const c = parentLive && evalCond(cond, values);
        stack.push({ taken: c, live: c });
      } else if (!top) throw new TemplateError(`"${line}" without an if`);
      else if (kw === 'end') stack.pop();
      else {
        const c = !top.taken && (kw === 'else' || evalCond(cond, values));
        top.live = c;
        top.taken ||= c;
      }
      continue;
    }
    if (live()) out.push(line.replace(/\{\{(?!-)\s*(.*?)\s*\}\}/g, (_m, a: string) => evalAction(a, values)));
  }
  if (stack.length > 0) throw new TemplateError('an if without an end');
  return out.join('\n');
}
