// The drift states of a key on a member as the console names and explains them (DESIGN 13), from
// the rows libs/api-client/inventory-rows.ts computes for the CLI's table too.
import type { InventoryRow, Presence } from '../../libs/api-client/inventory-rows';

export const keyCellStates = ['present', 'missing', 'conflict', 'differs', 'retired', 'not-exportable', 'duplicated', 'unknown'] as const;
export type KeyCellState = (typeof keyCellStates)[number];

export const keyCellStateMeaning: Record<KeyCellState, string> = {
  present: 'the member holds the key, as the others do',
  missing: 'the member lacks the key: a sync brings it',
  conflict: 'the member holds another key under this class and id: an operator decides, nothing is synced',
  differs: 'the same key with another label or certificate than the reference member: a sync from it updates them',
  retired: 'retired through KeySync and still found on this member',
  'not-exportable': 'held, but CKA_EXTRACTABLE is false: it cannot be synced',
  duplicated: 'held in identical surplus copies: a sync to it or a repair removes them',
  unknown: 'the member’s agent did not answer',
};

export function cellState(row: InventoryRow, presence: Presence): KeyCellState {
  switch (presence) {
    case 'different':
      return 'conflict';
    case 'present':
      return row.exportable ? 'present' : 'not-exportable';
    default:
      return presence;
  }
}
