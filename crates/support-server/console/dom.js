// Tiny DOM helpers. Every text goes through text nodes (textContent), never through HTML
// parsing, so user-supplied strings cannot become markup.

/**
 * Creates an element. `props`: `class`, `text`, `dataset` (object), `on` (event → handler),
 * attributes (`aria-*`, `role`, ...; `false`/`null` skip the attribute) and DOM properties
 * (`hidden`, `disabled`, `type`, ...). Children: nodes or strings (as text).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'on') for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    else if (key in el && !key.includes('-') && key !== 'list' && key !== 'form') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** `document.getElementById`, failing loudly when the page and the script disagree. */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

// Icon outlines (24×24, stroked). Constants only: no data ever reaches these.
const ICONS = {
  back: ['M15 18l-6-6 6-6'],
  send: ['M4 12l16-8-6 16-3-7z', 'M11 13l9-9'],
  check: ['M5 12.5l4.5 4.5L19 7.5'],
  clock: ['M12 7v5l3 2', 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z'],
  alert: ['M12 8v5', 'M12 16.5v.5', 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z'],
  inbox: ['M3 13l3-8h12l3 8v6H3z', 'M3 13h5l1 3h6l1-3h5'],
  person: ['M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z', 'M4 20c1.5-3.5 4.5-5 8-5s6.5 1.5 8 5'],
  close: ['M6 6l12 12', 'M18 6L6 18'],
  canned: ['M4 5h16v11H9l-5 4z', 'M8 9h8', 'M8 12h5'],
  note: ['M5 4h14v10l-6 6H5z', 'M13 20v-6h6', 'M8.5 9h7', 'M8.5 12.5h4'],
  bell: ['M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9', 'M10.3 21a1.94 1.94 0 0 0 3.4 0'],
  clip: ['M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9'],
};

/** An inline SVG icon, hidden from assistive technology (the button around it has a label). */
export function icon(name, size = 20) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', `icon icon-${name}`);
  for (const d of ICONS[name] || []) {
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}
