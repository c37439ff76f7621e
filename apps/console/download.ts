// Saves what the API answered as a file: the answer needs the bearer token, so a plain link cannot
// fetch it; the page fetches it and hands the browser the bytes.
import { h } from './dom';

export function saveFile(content: Blob, fileName: string): void {
  const url = URL.createObjectURL(content);
  const link = h('a', { href: url, download: fileName.replace(/[^A-Za-z0-9_.-]+/g, '_') });
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has started the download once click() returns; the URL is let go a little later.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
