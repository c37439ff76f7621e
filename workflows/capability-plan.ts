// What the members' tokens can do decides a sync before anything is exported (DESIGN 16). Pure:
// the keySync workflow runs it over the capabilities its agents reported in the pre-flight.
// - The wrap format is chosen over the source and the targets that reported (chooseWrapFormat:
//   one every one of them shares, aes-kwp first). A target that shares none with the source (or
//   only one the others lack) fails alone as `unsupported-mechanism`, naming what it has and what
//   it lacks; the others proceed with the chosen format. When the source shares a format with no
//   target at all, nothing is exported.
// - A key a target's token cannot hold (a curve it lacks, an RSA size outside its range, no HMAC)
//   is left out for that target alone and reported for that key; the others proceed. A key that no
//   remaining target needs is then not exported at all.
import { chooseWrapFormat, keyNotHeldReason } from '../libs/contract/hsm-capabilities';
import type { TokenCapabilities, WrapFormat } from '../libs/contract/hsm-capabilities';
import type { KeyGroup, KeySelector } from '../libs/contract/keys';
import type { TokenInUse, UnsupportedKey } from '../libs/contract/operations';
import type { SyncPlan, TargetPlan } from './plan';

/** The patch id under which keySync asks every member's capabilities and join negotiates its OAEP hash. */
export const capabilitiesPatch = 'token-capabilities';

export interface FormatDecision {
  format: WrapFormat | null;
  /** Targets that cannot take part, with a sentence naming what they have and lack. */
  unsupported: Array<{ member: string; detail: string }>;
}

/** A token as a sentence names it: manufacturer and model, and its module. */
export function describeToken(capabilities: TokenCapabilities): string {
  const { manufacturer, model, library } = capabilities;
  return `${manufacturer} ${model}, module ${library.description || library.manufacturer} ${library.version}`.replace(/\s+/g, ' ').trim();
}

const formatList = (formats: readonly WrapFormat[]): string => formats.join(', ') || 'no wrap format KeySync uses';

export function decideWrapFormat(source: { member: string; capabilities: TokenCapabilities }, targets: ReadonlyArray<{ member: string; capabilities: TokenCapabilities }>): FormatDecision {
  const choice = chooseWrapFormat(
    source.capabilities.wrapFormats,
    targets.map((target) => ({ member: target.member, wrapFormats: target.capabilities.wrapFormats })),
  );
  const sourceFormats = source.capabilities.wrapFormats;
  const unsupported = choice.unsupported.map(({ member, wrapFormats }) => {
    const target = targets.find((candidate) => candidate.member === member) as { capabilities: TokenCapabilities };
    const shared = wrapFormats.filter((format) => sourceFormats.includes(format));
    const lacks = choice.format ?? sourceFormats[0];
    const why =
      shared.length === 0
        ? `shares no wrap format with the source ${source.member} (${describeToken(source.capabilities)}), which wraps with ${formatList(sourceFormats)}`
        : `lacks ${lacks}, the format the source ${source.member} and the other targets share`;
    return {
      member,
      detail: `${member} (${describeToken(target.capabilities)}) can unwrap ${formatList(wrapFormats)} only: it ${why}; nothing was exported for it.`,
    };
  });
  return { format: choice.format, unsupported };
}

/** Keys of `keys` that a token cannot hold, each with what it lacks. */
export function keysNotHeld(capabilities: TokenCapabilities, keys: readonly KeyGroup[]): UnsupportedKey[] {
  const result: UnsupportedKey[] = [];
  for (const key of keys) {
    const lacks = keyNotHeldReason(capabilities, key);
    if (lacks) result.push({ class: key.class, id: key.id.toLowerCase(), label: key.label, fingerprint: key.fingerprint.toLowerCase(), reason: 'unsupported-mechanism', detail: lacks });
  }
  return result;
}

/**
 * The plan without the keys each target cannot hold (capabilities by member; a member without
 * them, whose agent did not answer, keeps its plan), the selection reduced to what some target
 * still needs, and those keys by member.
 */
export function withoutKeysNotHeld(
  plan: SyncPlan,
  sourceInventory: readonly KeyGroup[],
  capabilities: Readonly<Record<string, TokenCapabilities>>,
): { plan: SyncPlan; notHeld: Record<string, UnsupportedKey[]> } {
  const byIdentity = new Map(sourceInventory.map((group) => [`${group.class}:${group.id.toLowerCase()}`, group]));
  const notHeld: Record<string, UnsupportedKey[]> = {};
  const targets = plan.targets.map((target): TargetPlan => {
    const held = capabilities[target.member];
    if (!held) return target;
    const wanted = [...target.missing, ...target.duplicated].map((key) => byIdentity.get(`${key.class}:${key.id}`)).filter((group): group is KeyGroup => group !== undefined);
    const lacking = keysNotHeld(held, wanted);
    if (lacking.length === 0) return target;
    notHeld[target.member] = lacking;
    const out = new Set(lacking.map((key) => `${key.class}:${key.id}`));
    const keep = (key: { class: string; id: string }) => !out.has(`${key.class}:${key.id}`);
    return { ...target, missing: target.missing.filter(keep), duplicated: target.duplicated.filter(keep) };
  });
  const needed = new Set(targets.flatMap((target) => [...target.missing, ...target.duplicated, ...target.differs].map((key) => `${key.class}:${key.id}`)));
  const selection = plan.selection.filter((key: KeySelector) => needed.has(`${key.class}:${key.id}`));
  return { plan: { ...plan, targets, selection }, notHeld };
}

/** One line per key a member cannot hold, for its detail. */
export function unsupportedKeysText(member: string, keys: readonly UnsupportedKey[]): string {
  return `${member}'s token cannot hold ${keys.map((key) => `${key.label} (${key.class} ${key.id}): ${key.detail}`).join('; ')}; those were left out for it.`;
}

/** How a token shows in an operation's record: identity, formats, and its mechanism for the chosen format. */
export function tokenInUse(member: string, role: TokenInUse['role'], capabilities: TokenCapabilities, format?: WrapFormat | null): TokenInUse {
  const { library } = capabilities;
  const mechanism = format ? capabilities.wrapMechanisms[format] : undefined;
  return {
    member,
    role,
    manufacturer: capabilities.manufacturer,
    model: capabilities.model,
    library: `${library.description || library.manufacturer} ${library.version}`.trim(),
    wrapFormats: [...capabilities.wrapFormats],
    ...(mechanism ? { wrapMechanism: mechanism } : {}),
  };
}
