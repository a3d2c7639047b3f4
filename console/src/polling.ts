// Lists the API has no event stream for are read again every few seconds while their page is
// open; a read that ends after the page moved on (other filters, another page) is dropped.

import { useEffect } from 'preact/hooks';

/** How often a polled list is read again (ms). */
export const REFRESH_MS = 5000;

/**
 * Calls `read` now and REFRESH_MS after each read ends, until `deps` change or the page closes.
 * `read` gets `current()`, false once its result would be stale.
 */
export function usePolling(read: (current: () => boolean) => Promise<void>, deps: unknown[]): void {
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const current = () => !stopped;
    const load = async () => {
      await read(current);
      if (!stopped) timer = setTimeout(load, REFRESH_MS);
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, deps);
}
