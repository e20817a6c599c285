// The dashboard's live parts; every page works without this script.
// 1. The job page's log box follows the log over server-sent events.
// 2. The job page's calls chart, drawn with uPlot from the JSON the page carries.
(() => {
  const MAX_LOG_CHARS = 200_000;
  const log = document.getElementById('live-log');
  if (log && log.dataset.stream) {
    const source = new EventSource(log.dataset.stream);
    const append = (text) => {
      const atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
      log.append(text);
      if (log.textContent.length > MAX_LOG_CHARS) log.textContent = log.textContent.slice(-MAX_LOG_CHARS / 2);
      if (atEnd) log.scrollTop = log.scrollHeight;
    };
    source.onmessage = (e) => append(`${e.data}\n`);
    source.addEventListener('failed', (e) => append(`[the log stream failed: ${e.data}]\n`));
    // the stream ended (the version stopped, or the session did): reconnecting would replay the tail
    source.onerror = () => source.close();
    window.addEventListener('pagehide', () => source.close());
  }

  const data = document.getElementById('calls-data');
  const chart = document.getElementById('calls-chart');
  if (data && chart && window.uPlot) {
    const s = JSON.parse(data.textContent);
    if (s.versions.length === 0) {
      chart.textContent = 'No calls in the last hour.';
      return;
    }
    const colors = ['#0550ae', '#bc4c00', '#116329', '#8250df', '#a40e26', '#57606a'];
    new window.uPlot({
      width: Math.max(320, chart.clientWidth || 640),
      height: 220,
      series: [{}, ...s.versions.map((v, i) => ({ label: v.version, stroke: colors[i % colors.length], width: 2 }))],
      axes: [{}, { label: 'calls / min' }],
    }, [s.minutes, ...s.versions.map((v) => v.counts)], chart);
  }
})();
