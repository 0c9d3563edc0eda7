// The mindmap's automatic layout: a right-growing tree. Leaves are stacked
// top to bottom, a parent sits level with the middle of its children, and
// each level is one column to the right. Dragged nodes carry an offset that
// also moves their subtree.

export const NODE_W = 232;
export const NODE_H = 50;
export const GAP_X = 64;
export const GAP_Y = 14;
const ROOT_GAP = 22;

/** With "hide done", a story goes when it and its whole subtree are Done. */
export function fullyDone(story) {
  return story.status === 'Done' && (story.children ?? []).every(fullyDone);
}

/**
 * Place the stories. Returns nodes {story, x, y, depth, parentId} and edges
 * {from, to} in layout units; `offsets` maps a story id to [dx, dy].
 */
export function layoutTree(roots, { hideDone = false, offsets = {} } = {}) {
  const nodes = [];
  const edges = [];
  let cursor = 0;
  const visible = (stories) => (hideDone ? stories.filter((s) => !fullyDone(s)) : stories);

  const place = (story, depth, parentId) => {
    const node = { story, depth, parentId, x: depth * (NODE_W + GAP_X), y: 0 };
    nodes.push(node);
    const children = visible(story.children ?? []);
    if (children.length === 0) {
      node.y = cursor;
      cursor += NODE_H + GAP_Y;
    } else {
      const placed = children.map((child) => place(child, depth + 1, story.id));
      node.y = (placed[0].y + placed.at(-1).y) / 2;
      for (const child of placed) edges.push({ from: node, to: child });
    }
    return node;
  };

  for (const root of visible(roots)) {
    place(root, 0, null);
    cursor += ROOT_GAP;
  }

  // Offsets accumulate down the tree: moving a story moves its subtree.
  const byId = new Map(nodes.map((n) => [n.story.id, n]));
  const shift = new Map();
  for (const node of nodes) {
    const own = offsets[node.story.id] ?? [0, 0];
    const inherited = node.parentId == null ? [0, 0] : shift.get(node.parentId) ?? [0, 0];
    const total = [own[0] + inherited[0], own[1] + inherited[1]];
    shift.set(node.story.id, total);
    node.x += total[0];
    node.y += total[1];
  }
  return { nodes, edges, byId };
}

export function bounds(nodes) {
  if (!nodes.length) return { x: 0, y: 0, width: NODE_W, height: NODE_H };
  const xs = nodes.map((n) => n.x);
  const ys = nodes.map((n) => n.y);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) + NODE_W - x, height: Math.max(...ys) + NODE_H - y };
}

/** A curve between two boxes, leaving and entering at the facing sides. */
export function linkPath(a, b) {
  const ax = a.x + NODE_W / 2;
  const bx = b.x + NODE_W / 2;
  const ay = a.y + NODE_H / 2;
  const by = b.y + NODE_H / 2;
  if (Math.abs(ax - bx) >= NODE_W) {
    const [sx, ex] = ax < bx ? [a.x + NODE_W, b.x] : [a.x, b.x + NODE_W];
    const bend = (ex - sx) / 2;
    return `M${sx},${ay} C${sx + bend},${ay} ${ex - bend},${by} ${ex},${by}`;
  }
  // Same column: leave from the right side and loop back into it.
  const sx = a.x + NODE_W;
  const ex = b.x + NODE_W;
  const reach = 40 + Math.min(80, Math.abs(by - ay) / 4);
  return `M${sx},${ay} C${sx + reach},${ay} ${ex + reach},${by} ${ex + 6},${by}`;
}
