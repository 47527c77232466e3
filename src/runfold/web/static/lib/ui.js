// Preact + htm, from the vendored ES modules (see ../vendor/README.md).
import { Component, h, render } from "../vendor/preact-11.2.0.mjs";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "../vendor/preact-hooks-11.2.0.mjs";
import htm from "../vendor/htm-3.1.1.mjs";

export const html = htm.bind(h);
export { render, useEffect, useLayoutEffect, useMemo, useRef, useState };

// `Inner` rendered again only when one of its props is another value (===), as
// preact/compat's memo: a parent's render that leaves them all alone skips it.
export function memo(Inner) {
  class Memo extends Component {
    shouldComponentUpdate(next) {
      const keys = Object.keys(next);
      return keys.length !== Object.keys(this.props).length || keys.some((k) => next[k] !== this.props[k]);
    }

    render(props) {
      return h(Inner, props);
    }
  }
  Memo.displayName = `memo(${Inner.displayName || Inner.name})`;
  return Memo;
}

// The width of the element in `ref`, following it as it changes (`fallback` until it
// has one: an element not laid out yet measures 0).
export function useWidth(ref, fallback = 0) {
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const measure = () => { if (el.clientWidth || !fallback) setWidth(el.clientWidth); };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return width;
}

// A component whose module is fetched the first time it is drawn (`load()` gives the
// component): what most pages never show stays out of their first load. Draws
// `fallback` until then.
export function lazy(load, fallback = null) {
  let Loaded = null;
  let loading = null;
  return function Lazy(props) {
    const [, setReady] = useState(Loaded !== null);
    useEffect(() => {
      if (Loaded) return undefined;
      let live = true;
      loading = loading || load().then((C) => { Loaded = C; });
      loading.then(() => live && setReady(true));
      return () => { live = false; };
    }, []);
    return Loaded ? h(Loaded, props) : fallback;
  };
}
