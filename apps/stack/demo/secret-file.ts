// Files that hold secrets (PINs, API tokens, approver private keys) are readable by their owner only.
import { chmodSync, writeFileSync } from 'node:fs';

export function writeSecretFile(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600); // the mode above applies only when the file is new
}
