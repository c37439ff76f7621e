// The custom search attributes of DESIGN section 5. A dev server applies its --search-attribute
// flags only when it creates its database, so the stack also registers them through the
// operator service on every start: that covers a database made by an older version.
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { keySyncSearchAttributes } from '../contract/search-attributes';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

export type SearchAttributeKind = 'Keyword' | 'KeywordList';

const KIND_OF_TYPE: Readonly<Record<(typeof keySyncSearchAttributes)[number]['type'], SearchAttributeKind>> = {
  KEYWORD: 'Keyword',
  KEYWORD_LIST: 'KeywordList',
};

/** The contract's keys, by name, as the dev server's flags and the operator service name their types. */
export const KEYSYNC_SEARCH_ATTRIBUTES: Readonly<Record<string, SearchAttributeKind>> = Object.fromEntries(
  keySyncSearchAttributes.map((key) => [key.name, KIND_OF_TYPE[key.type]]),
);

const INDEXED_TYPE: Record<SearchAttributeKind, temporal.api.enums.v1.IndexedValueType> = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** The `--search-attribute NAME=Type` flags for `temporal server start-dev`. */
export function searchAttributeFlags(wanted: Readonly<Record<string, SearchAttributeKind>> = KEYSYNC_SEARCH_ATTRIBUTES): string[] {
  return Object.entries(wanted).flatMap(([name, kind]) => ['--search-attribute', `${name}=${kind}`]);
}

/**
 * Registers every wanted search attribute the namespace lacks; returns the names it added.
 * An attribute that exists with another type cannot be changed in place: that is an error.
 */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
  wanted: Readonly<Record<string, SearchAttributeKind>> = KEYSYNC_SEARCH_ATTRIBUTES,
): Promise<string[]> {
  const existing = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  const missing: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
  for (const [name, kind] of Object.entries(wanted)) {
    const current = existing[name];
    if (current === undefined || current === null) {
      missing[name] = INDEXED_TYPE[kind];
    } else if (current !== INDEXED_TYPE[kind]) {
      throw new Error(
        `Search attribute ${name} exists in namespace ${namespace} with type ${IndexedValueType[current]}, ` +
          `but KeySync needs ${kind}. Remove it (temporal operator search-attribute remove --name ${name}) and start again.`,
      );
    }
  }
  if (Object.keys(missing).length > 0) {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  }
  return Object.keys(missing);
}
