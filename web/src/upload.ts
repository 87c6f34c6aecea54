/** Errors the upload URL answers with, in words for a person. */
const REASONS: Record<number, string> = {
  400: 'The file could not be read as an image or video.',
  410: 'The upload took too long and expired; please choose the file again.',
  413: 'The file is too large.',
  415: 'That kind of file is not accepted: use JPEG, PNG, GIF, WebP or AVIF images, or MP4, WebM or QuickTime videos.',
  503: 'Uploads are busy right now; please try again in a moment.',
};

export interface UploadedMedia {
  id: string;
  status: 'READY';
  width: number | null;
  height: number | null;
}

/**
 * PUTs a file to its one-time upload URL with XMLHttpRequest, the one browser API that reports
 * upload progress (`onProgress` gets 0–1). Resolves with the media record once it is READY.
 */
export function putFile(url: string, file: File, onProgress: (fraction: number) => void): Promise<UploadedMedia> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('PUT', url);
    request.setRequestHeader('content-type', file.type || 'application/octet-stream');
    request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    request.onload = () => {
      let body: { media?: UploadedMedia; errors?: { message: string }[] } = {};
      try {
        body = JSON.parse(request.responseText);
      } catch {
        // not JSON: the status says enough
      }
      if (request.status === 201 && body.media) return resolve(body.media);
      reject(new Error(body.errors?.[0]?.message ?? REASONS[request.status] ?? 'The upload failed; please try again.'));
    };
    request.onerror = () => reject(new Error('The upload was interrupted; check your connection and try again.'));
    request.send(file);
  });
}
