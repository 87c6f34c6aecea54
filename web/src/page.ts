import { useCallback, useEffect } from 'react';
import { useLocation } from 'react-router-dom';

/** The location the app was opened at: its heading is not focused (the browser starts at the top). */
let firstLocation: string | undefined;

/**
 * A page's document title, and a ref for its main heading (which needs `tabIndex={-1}`): after
 * a navigation inside the app, focus moves to that heading, so keyboard and screen reader users
 * start at the new page's content rather than on a link of the page they left.
 */
export function usePage(title: string) {
  const { key } = useLocation();
  firstLocation ??= key;
  useEffect(() => {
    document.title = `${title} · Federated Notes`;
  }, [title]);
  return useCallback(
    (heading: HTMLHeadingElement | null) => {
      if (heading && key !== firstLocation) heading.focus();
    },
    [key],
  );
}

/** A moment as people read it: the date and the time, in the reader's locale. */
export const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
