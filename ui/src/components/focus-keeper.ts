import { useEffect } from 'preact/hooks';

/**
 * Keeps keyboard focus from falling to the top of the document when a re-render takes it away:
 * a button disabled while its action runs gets it back once enabled again, and a focused link or
 * button that the new content no longer has (a page of results, another page) hands it to the
 * main region. Browsers move focus to <body> in both cases, and a keyboard or screen-reader user
 * then starts over from the first link of the page.
 *
 * Only focus lost to nothing is restored: a click elsewhere, or focus moved on purpose (a section
 * focusing its own field after an action), is left alone.
 */
export function useFocusKeeper(mainId: string): void {
  useEffect(() => {
    // A focused control that was disabled: it gets focus back once enabled, unless focus went elsewhere.
    let disabled: HTMLElement | null = null;
    const lostToNothing = () => document.activeElement === null || document.activeElement === document.body;
    const toMain = () => document.getElementById(mainId)?.focus({ preventScroll: true });
    const settle = () => {
      if (disabled === null) return;
      if (!lostToNothing()) disabled = null;
      else if (!disabled.isConnected) {
        disabled = null;
        toMain();
      } else if (!disabled.matches(':disabled')) {
        const element = disabled;
        disabled = null;
        element.focus({ preventScroll: true });
      }
    };
    const onFocusOut = (event: FocusEvent) => {
      const element = event.target;
      if (event.relatedTarget !== null || !(element instanceof HTMLElement)) return;
      if (element.matches(':disabled')) {
        disabled = element;
        return;
      }
      // Removed with the content it was in (the blur comes first): known once the frame is drawn.
      // A click on nothing leaves it in the document, and focus where the user put it.
      requestAnimationFrame(() => {
        if (!element.isConnected && lostToNothing()) toMain();
      });
    };
    const observer = new MutationObserver(settle);
    observer.observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['disabled'],
    });
    // The user acting elsewhere meanwhile (a click, a key) ends the wait: a control enabled much
    // later by a live update must not take the focus, and the next key press with it.
    const forget = () => (disabled = null);
    document.addEventListener('focusout', onFocusOut);
    document.addEventListener('pointerdown', forget, true);
    document.addEventListener('keydown', forget, true);
    return () => {
      observer.disconnect();
      document.removeEventListener('focusout', onFocusOut);
      document.removeEventListener('pointerdown', forget, true);
      document.removeEventListener('keydown', forget, true);
    };
  }, [mainId]);
}
