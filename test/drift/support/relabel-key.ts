// Changes a member's token the way an operator's own tool does, where pkcs11-tool cannot: renames
// every object of a key (C_SetAttributeValue on CKA_LABEL), or makes its certificate object
// read-only (recreated with CKA_MODIFIABLE false, as a module that keeps attributes fixed would
// hold it). Each runs in a process of its own (the test process's agents have the module
// initialized already), outside libs/hsm; the PIN travels on stdin, never in argv.
import { execFile } from 'node:child_process';
import type { MemberConfig } from '../../../libs/config/types';

const OPEN_SESSION = `
const pkcs11 = require('pkcs11js');
const request = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const lib = new pkcs11.PKCS11();
lib.load(request.module);
lib.C_Initialize();
const slot = lib.C_GetSlotList(true).find((candidate) => lib.C_GetTokenInfo(candidate).label.trim() === request.token);
if (slot === undefined) throw new Error('no token ' + request.token);
const session = lib.C_OpenSession(slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
lib.C_Login(session, pkcs11.CKU_USER, request.pin);
const find = (template) => {
  lib.C_FindObjectsInit(session, template);
  const handles = lib.C_FindObjects(session, 100);
  lib.C_FindObjectsFinal(session);
  return handles;
};
const id = { type: pkcs11.CKA_ID, value: Buffer.from(request.id, 'hex') };
`;

const RELABEL = `${OPEN_SESSION}
const handles = find([id]);
for (const handle of handles) lib.C_SetAttributeValue(session, handle, [{ type: pkcs11.CKA_LABEL, value: request.label }]);
process.stdout.write(String(handles.length));
lib.C_Finalize();
`;

const LOCK_CERTIFICATE = `${OPEN_SESSION}
const handles = find([{ type: pkcs11.CKA_CLASS, value: pkcs11.CKO_CERTIFICATE }, id]);
const kept = [pkcs11.CKA_CLASS, pkcs11.CKA_CERTIFICATE_TYPE, pkcs11.CKA_TOKEN, pkcs11.CKA_PRIVATE, pkcs11.CKA_LABEL, pkcs11.CKA_ID, pkcs11.CKA_SUBJECT, pkcs11.CKA_ISSUER, pkcs11.CKA_SERIAL_NUMBER, pkcs11.CKA_VALUE];
for (const handle of handles) {
  const template = lib.C_GetAttributeValue(session, handle, kept.map((type) => ({ type })));
  lib.C_CreateObject(session, [...template, { type: pkcs11.CKA_MODIFIABLE, value: false }]);
  lib.C_DestroyObject(session, handle);
}
process.stdout.write(String(handles.length));
lib.C_Finalize();
`;

function runOnToken(script: string, member: MemberConfig, pin: string, params: Record<string, string>, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['-e', script], { env, cwd: process.cwd(), timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`could not change key ${params.id} on ${member.tokenLabel}: ${stderr.replaceAll(pin, '<pin>').trim()}`));
      else resolve(Number(stdout));
    });
    child.stdin?.end(JSON.stringify({ module: member.pkcs11Module, token: member.tokenLabel, pin, ...params }));
  });
}

/** Sets CKA_LABEL on every object with this CKA_ID; returns how many objects were relabelled. */
export function relabelObjects(member: MemberConfig, pin: string, id: string, label: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runOnToken(RELABEL, member, pin, { id, label }, env);
}

/** Recreates the certificate object(s) with this CKA_ID with CKA_MODIFIABLE false; returns how many. */
export function lockCertificate(member: MemberConfig, pin: string, id: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runOnToken(LOCK_CERTIFICATE, member, pin, { id }, env);
}
