import { SaxesParser } from 'saxes';

/**
 * Every leaf value of an XML text under the elements named `under`, as `path -> values in order`
 * (local names, namespaces dropped): to compare two edXML packages header value by header value
 * without the code under test reading either.
 */
export function xmlLeaves(xml: string, under: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const stack: string[] = [];
  let text = '';
  let hadChild: boolean[] = [];
  const parser = new SaxesParser({ xmlns: true });
  parser.on('opentag', (t) => {
    if (hadChild.length) hadChild[hadChild.length - 1] = true;
    stack.push(t.local ?? t.name);
    hadChild.push(false);
    text = '';
  });
  parser.on('text', (t) => (text += t));
  parser.on('cdata', (t) => (text += t));
  parser.on('closetag', () => {
    const leaf = !hadChild.pop();
    const start = stack.findIndex((n) => under.includes(n));
    if (leaf && start >= 0) {
      const path = stack.slice(start).join('/');
      out.set(path, [...(out.get(path) ?? []), text.trim()]);
    }
    stack.pop();
    text = '';
  });
  parser.write(xml).close();
  hadChild = [];
  return out;
}
