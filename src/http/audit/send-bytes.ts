import type { Request, Response } from 'express';

/** Serves bytes with single-range support, so the browser's audio player can seek. */
export function sendBytes(
  req: Request,
  res: Response,
  data: Buffer,
  type: string,
  filename: string | null,
): void {
  res.setHeader('Accept-Ranges', 'bytes');
  res.type(type);
  if (filename) res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  const range = req.headers.range;
  const m = range ? /^bytes=(\d*)-(\d*)$/.exec(range) : null;
  if (!range || !m) {
    res.status(200).setHeader('Content-Length', String(data.length));
    return void res.end(data);
  }
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, data.length - Number(m[2]));
    end = data.length - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? data.length - 1 : Math.min(Number(m[2]), data.length - 1);
  }
  if (start > end || start >= data.length) {
    res.status(416).setHeader('Content-Range', `bytes */${data.length}`);
    return void res.end();
  }
  res.status(206).setHeader('Content-Range', `bytes ${start}-${end}/${data.length}`);
  res.setHeader('Content-Length', String(end - start + 1));
  res.end(data.subarray(start, end + 1));
}
