import type { TwimlNode } from '../../src/twiml/parse';

/** The first element of that name in a parsed TwiML document, depth first (a <Gather>, its <Say>...). */
export function findTwiml(node: TwimlNode, name: string): TwimlNode | undefined {
  for (const c of node.children) {
    if (c.name === name) return c;
    const deeper = findTwiml(c, name);
    if (deeper) return deeper;
  }
  return undefined;
}
