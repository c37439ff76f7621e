// The API is up once /v1/health answers anything below 500; an API that exits first is reported with its log.
export async function waitForApi(apiUrl: string, exited: Promise<unknown>, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  while (Date.now() < deadline && !gone) {
    try {
      const response = await fetch(`${apiUrl}/v1/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(gone ? `the API exited before it answered /v1/health; see ${logFile}.` : `the API did not answer ${apiUrl}/v1/health within ${timeoutMs} ms; see ${logFile}.`);
}
