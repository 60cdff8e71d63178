// Charts follow the run's data at most every `ms`: at real-GPU read-back rates (several per second) a
// redraw per read-back would keep the main thread busy for nothing anyone can see.
import { useEffect, useRef, useState } from 'react';

/** `value`, passed on at most once every `ms` milliseconds (the latest value always arrives). */
export function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const lastAt = useRef(-Infinity);
  useEffect(() => {
    if (Object.is(value, shown)) return;
    const wait = Math.max(0, lastAt.current + ms - performance.now());
    const t = setTimeout(() => {
      lastAt.current = performance.now();
      setShown(value);
    }, wait);
    return () => clearTimeout(t);
  }, [value, shown, ms]);
  return shown;
}
