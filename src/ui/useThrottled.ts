// Charts follow the run's data at most every `ms`: at real-GPU read-back rates (several per second) a
// redraw per read-back would keep the main thread busy for nothing anyone can see.
import { useEffect, useRef, useState } from 'react';

/**
 * `value`, passed on at most once every `ms` milliseconds (the latest value always arrives). When
 * `immediate(next, shown)` holds (e.g. a chart that was empty, or whose data was replaced by a shorter
 * history at a resumption), `value` is shown in the same render: only growth is throttled.
 */
export function useThrottled<T>(value: T, ms: number, immediate?: (next: T, shown: T) => boolean): T {
  const [shown, setShown] = useState(value);
  const lastAt = useRef(-Infinity);
  const now = !Object.is(value, shown) && immediate?.(value, shown) === true;
  useEffect(() => {
    if (Object.is(value, shown)) return;
    const wait = now ? 0 : Math.max(0, lastAt.current + ms - performance.now());
    const t = setTimeout(() => {
      lastAt.current = performance.now();
      setShown(value);
    }, wait);
    return () => clearTimeout(t);
  }, [value, shown, ms, now]);
  return now ? value : shown;
}
