// Saving files from the page: a Blob through the browser's download, and a chart's SVG as SVG or PNG.

export function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A standalone copy of a rendered chart's <svg> (recharts draws SVG), white background included. */
export function chartSvg(svg: SVGSVGElement): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const { width, height } = svg.getBoundingClientRect();
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(Math.round(width)));
  copy.setAttribute('height', String(Math.round(height)));
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', '#ffffff');
  copy.insertBefore(bg, copy.firstChild);
  copy.style.fontFamily = 'system-ui, sans-serif';
  copy.style.fontSize = '12px';
  return new XMLSerializer().serializeToString(copy);
}

/** Saves the chart as .svg, or as .png rendered at twice its size. */
export async function exportChart(svg: SVGSVGElement, name: string, format: 'svg' | 'png'): Promise<void> {
  const text = chartSvg(svg);
  const blob = new Blob([text], { type: 'image/svg+xml' });
  if (format === 'svg') return download(blob, `${name}.svg`);
  const url = URL.createObjectURL(blob);
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('The chart could not be drawn as an image.'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = img.width * 2;
    canvas.height = img.height * 2;
    const ctx = canvas.getContext('2d')!;
    ctx.scale(2, 2);
    ctx.drawImage(img, 0, 0);
    const png = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/png'));
    if (png) download(png, `${name}.png`);
  } finally {
    URL.revokeObjectURL(url);
  }
}
