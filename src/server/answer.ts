import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { Gateway } from '../gateway.ts';
import { logExchange } from './request-log.ts';

/**
 * Where a proxied answer goes, whichever front received the request: headers set while the answer
 * is prepared, then the head written straight to the socket and the response handed over (JSON
 * written whole, streams chunk by chunk).
 */
export interface AnswerTarget {
  setHeader(name: string, value: string): void;
  /** Writes the head — the headers set so far, then these — and hands over the response. */
  writeHead(status: number, headers: OutgoingHttpHeaders): ServerResponse;
}

/**
 * A Fastify reply as an answer target. Its send pipeline (serializers, onSend hooks) has nothing to
 * add to a proxied answer, so the reply is hijacked at the head; Fastify then runs no onResponse
 * hook, and the request's log line is written on finish here.
 */
export function replyTarget(gateway: Gateway, reply: FastifyReply): AnswerTarget {
  return {
    setHeader: (name, value) => {
      reply.header(name, value);
    },
    writeHead: (status, headers) => {
      reply.hijack();
      const res = reply.raw;
      res.once('finish', () => logExchange(gateway, reply.request.exchange, res.statusCode));
      const head = reply.getHeaders() as OutgoingHttpHeaders;
      for (const name in headers) head[name] = headers[name];
      res.writeHead(status, head);
      return res;
    },
  };
}

/** A bare node:http response; `pending` holds the headers until the head is written. */
export function responseTarget(res: ServerResponse, pending: OutgoingHttpHeaders): AnswerTarget {
  return {
    setHeader: (name, value) => {
      pending[name] = value;
    },
    writeHead: (status, headers) => {
      for (const name in headers) pending[name] = headers[name];
      res.writeHead(status, pending);
      return res;
    },
  };
}
