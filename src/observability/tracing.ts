import type { SwitchyardConfig } from '../config/schema.ts';
import type { TraceParent } from './trace-context.ts';

/**
 * OpenTelemetry export over OTLP/HTTP. The SDK is imported only when an endpoint is configured, so a
 * gateway without tracing neither loads it nor pays for spans: the request path checks for `null`.
 */
export interface RequestSpan {
  readonly traceParent: TraceParent;
  setAttributes(attributes: Record<string, string | number | boolean>): void;
  end(httpStatus: number): void;
}

export interface RequestTracer {
  startRequestSpan(name: string, parent: TraceParent | undefined): RequestSpan;
  shutdown(): Promise<void>;
}

export async function createTracer(config: SwitchyardConfig['tracing']): Promise<RequestTracer | null> {
  if (!config.otlp_endpoint) return null;
  const api = await import('@opentelemetry/api');
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');

  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.service_name }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: config.otlp_endpoint }), {
        scheduledDelayMillis: 500,
      }),
    ],
  });
  const tracer = provider.getTracer('switchyard');

  return {
    startRequestSpan(name, parent) {
      const parentContext = parent
        ? api.trace.setSpanContext(api.ROOT_CONTEXT, {
            traceId: parent.traceId,
            spanId: parent.spanId,
            traceFlags: Number.parseInt(parent.flags, 16),
            isRemote: true,
          })
        : api.ROOT_CONTEXT;
      const span = tracer.startSpan(name, { kind: api.SpanKind.SERVER }, parentContext);
      const context = span.spanContext();
      return {
        traceParent: {
          traceId: context.traceId,
          spanId: context.spanId,
          flags: context.traceFlags.toString(16).padStart(2, '0'),
        },
        setAttributes: (attributes) => span.setAttributes(attributes),
        end(httpStatus) {
          span.setAttribute('http.response.status_code', httpStatus);
          if (httpStatus >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
          span.end();
        },
      };
    },
    shutdown: () => provider.shutdown(),
  };
}
