// Polling for the live pages: every `every` ms (2 s at most often), only while the tab is
// visible; hidden, the timer stops and nothing is asked; visible again, it asks at once.
export const LIVE_MS = 2000;

export function poll(fn, onState, every = LIVE_MS) {
  let timer = null, stopped = false, running = false;
  const tick = async () => {
    timer = null;
    if (stopped || document.visibilityState !== 'visible') return;
    running = true;
    try { await fn(); } finally { running = false; }
    if (!stopped && document.visibilityState === 'visible') timer = setTimeout(tick, Math.max(every, LIVE_MS));
  };
  const onVisibility = () => {
    if (document.visibilityState === 'visible') {
      onState('live');
      if (!timer && !running) tick();
    } else {
      clearTimeout(timer);
      timer = null;
      onState('paused');
    }
  };
  document.addEventListener('visibilitychange', onVisibility);
  onVisibility();
  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisibility);
    onState('off');
  };
}
