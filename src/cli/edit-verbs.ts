import { parseArgs } from 'node:util';
import { describeMirrorChanges, describeWeightChanges } from '../domain/describe-changes.js';
import { parsePercentToken } from '../domain/percent.js';
import type { MirrorField } from '../domain/route-change.js';
import { setMirror } from '../domain/set-mirror.js';
import { shiftWeights } from '../domain/shift-weights.js';
import { editManifests, type ManifestEdit, type VirtualServiceEdit } from '../manifests/edit-manifests.js';
import { UsageError, type CliIo } from './cli-io.js';
import { renderManifestEdit, type OutputFormat } from './render-output.js';

export const SHIFT_USAGE = 'meshbot shift --file F|- --from HOST --to HOST --percent N [--to-port PORT] [--output yaml|json|diff]';
export const MIRROR_USAGE = 'meshbot mirror --file F|- --from HOST --to HOST (--percent N | --off) [--field mirror|mirrors] [--to-port PORT] [--output yaml|json|diff]';

const COMMON_OPTIONS = {
  file: { type: 'string', short: 'f' },
  from: { type: 'string' },
  to: { type: 'string' },
  percent: { type: 'string' },
  'to-port': { type: 'string' },
  output: { type: 'string', short: 'o', default: 'yaml' },
} as const;

/** `meshbot shift --file vs.yaml --from cr-service-entry.com --to cr-gcpbackend.com --percent 25` */
export async function runShift(args: string[], io: CliIo): Promise<void> {
  const { values } = parse(args, COMMON_OPTIONS, SHIFT_USAGE);
  const common = readCommon(values, SHIFT_USAGE);
  const percent = requirePercent(values.percent, SHIFT_USAGE);
  const edit: VirtualServiceEdit<unknown> = (vs) => shiftWeights(vs, { from: common.from, to: common.to, percent, ...common.port });
  await editAndPrint(io, common, edit, (changes) => describeWeightChanges(changes as Parameters<typeof describeWeightChanges>[0]));
}

/** `meshbot mirror --file vs.yaml --from A --to B --percent 10` or `… --off` */
export async function runMirror(args: string[], io: CliIo): Promise<void> {
  const options = { ...COMMON_OPTIONS, off: { type: 'boolean' }, field: { type: 'string', default: 'mirror' } } as const;
  const { values } = parse(args, options, MIRROR_USAGE);
  const common = readCommon(values, MIRROR_USAGE);
  if (values.off && values.percent !== undefined) throw new UsageError(`give either --percent or --off, not both. Usage: ${MIRROR_USAGE}`);
  const percent = values.off ? 'off' : requirePercent(values.percent, MIRROR_USAGE);
  const field = values.field;
  if (field !== 'mirror' && field !== 'mirrors') throw new UsageError(`--field ${field} is not a mirror field: use mirror (mirror + mirrorPercentage) or mirrors (the mirrors[] list).`);
  const edit: VirtualServiceEdit<unknown> = (vs) => setMirror(vs, { from: common.from, to: common.to, percent, field: field as MirrorField, ...common.port });
  await editAndPrint(io, common, edit, (changes) => describeMirrorChanges(changes as Parameters<typeof describeMirrorChanges>[0]));
}

interface Common {
  file: string;
  from: string;
  to: string;
  output: OutputFormat;
  port: { toPort?: number };
}

async function editAndPrint(io: CliIo, common: Common, edit: VirtualServiceEdit<unknown>, describe: (changes: readonly unknown[]) => string[]): Promise<void> {
  const text = await readInput(io, common.file);
  const result: { ok: true; value: ManifestEdit<unknown> } | { ok: false; error: string } = editManifests(text, common.from, edit);
  if (!result.ok) throw new UsageError(`${inputName(common.file)}: ${result.error}`);
  io.stdout(renderManifestEdit(result.value, common.output, describe));
}

async function readInput(io: CliIo, file: string): Promise<string> {
  if (file === '-') return io.readStdin();
  try {
    return await io.readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String((error as Error).message);
    throw new UsageError(`cannot read --file ${file}: ${why}. Give a YAML file, or - for standard input.`);
  }
}

function inputName(file: string): string {
  return file === '-' ? 'standard input' : file;
}

type OptionsConfig = Parameters<typeof parseArgs>[0] extends infer C ? (C extends { options?: infer O } ? NonNullable<O> : never) : never;

function parse<O extends OptionsConfig>(args: string[], options: O, usage: string) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}. Usage: ${usage}`);
  }
}

function readCommon(values: Record<string, unknown>, usage: string): Common {
  const missing = ['file', 'from', 'to'].filter((k) => typeof values[k] !== 'string' || values[k] === '');
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((m) => `--${m}`).join(', ')}. Usage: ${usage}`);
  const output = values.output as string;
  if (output !== 'yaml' && output !== 'json' && output !== 'diff') throw new UsageError(`--output ${output} is not a format: use yaml, json or diff.`);
  return { file: values.file as string, from: values.from as string, to: values.to as string, output, port: readPort(values['to-port']) };
}

function readPort(value: unknown): { toPort?: number } {
  if (value === undefined) return {};
  const port = Number(value);
  if (!/^\d+$/.test(String(value)) || port < 1 || port > 65535) throw new UsageError(`--to-port ${String(value)} is not a port: give a number between 1 and 65535.`);
  return { toPort: port };
}

function requirePercent(value: unknown, usage: string): number {
  if (typeof value !== 'string') throw new UsageError(`missing --percent. Usage: ${usage}`);
  const percent = parsePercentToken(value);
  if (!percent.ok) throw new UsageError(`--percent ${percent.error}`);
  return percent.value;
}
