import { Gauge, type Registry } from 'prom-client';

/**
 * The process's memory, read when /metrics is scraped, under the names prom-client's default
 * metrics use (so existing dashboards find them). Only these gauges and not the whole default set:
 * that one also starts an event-loop monitor and a GC observer per registry, which nothing stops
 * when a gateway closes.
 */
export function registerProcessMetrics(registry: Registry): void {
  const gauges = [
    ['process_resident_memory_bytes', 'Resident memory size in bytes', () => process.memoryUsage.rss()],
    ['nodejs_heap_size_total_bytes', 'V8 heap size in bytes', () => process.memoryUsage().heapTotal],
    ['nodejs_heap_size_used_bytes', 'V8 heap in use, in bytes', () => process.memoryUsage().heapUsed],
    [
      'nodejs_external_memory_bytes',
      'Memory of C++ objects bound to JavaScript (buffers among them), in bytes',
      () => process.memoryUsage().external,
    ],
  ] as const;
  for (const [name, help, read] of gauges) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect(this: Gauge) {
        this.set(read());
      },
    });
  }
}
