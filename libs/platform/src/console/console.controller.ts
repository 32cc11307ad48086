import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The shell's files, read once: they are part of the build (scripts/build.mjs copies `assets`). */
const asset = (name: string) => readFileSync(join(__dirname, 'assets', name), 'utf8');

/**
 * The operations console (ADR 0013): a static page and its script, which hold no data and are served without
 * the operations token (the guard exempts exactly these paths). Everything the page shows it fetches from
 * the /ops/* JSON routes with the token the operator gives it. Its CSP allows nothing but this origin.
 */
@ApiExcludeController()
@Controller('console')
export class ConsoleController {
  private readonly files = { html: asset('console.html'), js: asset('console.js'), css: asset('console.css') };

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  page(@Res({ passthrough: true }) reply: FastifyReply): string {
    this.strict(reply);
    return this.files.html;
  }

  @Get('console.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  script(@Res({ passthrough: true }) reply: FastifyReply): string {
    this.strict(reply);
    return this.files.js;
  }

  @Get('console.css')
  @Header('content-type', 'text/css; charset=utf-8')
  stylesheet(@Res({ passthrough: true }) reply: FastifyReply): string {
    this.strict(reply);
    return this.files.css;
  }

  /** Stricter than the app-wide policy (which leaves Swagger UI its inline styles): this origin only, no framing, no referrer (the URL may carry the token once). */
  private strict(reply: FastifyReply): void {
    reply
      .header('content-security-policy', "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store');
  }
}
