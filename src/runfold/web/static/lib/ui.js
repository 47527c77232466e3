// Preact + htm, from the vendored ES modules (see ../vendor/README.md).
import { h, render } from "../vendor/preact-11.2.0.mjs";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "../vendor/preact-hooks-11.2.0.mjs";
import htm from "../vendor/htm-3.1.1.mjs";

export const html = htm.bind(h);
export { render, useEffect, useLayoutEffect, useMemo, useRef, useState };
