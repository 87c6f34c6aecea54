import { MobileApiError, type GraphQLErrorShape, type UploadTicket, type UploadedMedia } from '../../bff-mobile/client/client';

/**
 * Step two of an upload (README, "Media"): PUT the file to the ticket's one-time URL. Through
 * XMLHttpRequest rather than fetch, because only XMLHttpRequest reports upload progress, on a
 * phone and in a browser alike.
 */
export function putUpload(
  baseUrl: string,
  ticket: UploadTicket,
  file: Blob,
  mimeType: string,
  accessToken: string | undefined,
  onProgress: (fraction: number) => void,
): Promise<UploadedMedia> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', `${baseUrl}${ticket.uploadUrl}`);
    xhr.setRequestHeader('content-type', mimeType);
    // The URL authorises the upload; the token gives bff-mobile's per-client bound a user.
    if (accessToken) xhr.setRequestHeader('authorization', `Bearer ${accessToken}`);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onerror = () => reject(new TypeError('the upload could not reach bff-mobile'));
    xhr.onload = () => {
      let body: { media?: UploadedMedia; errors?: GraphQLErrorShape[] } = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // Not JSON (a proxy's page): reported by status below.
      }
      if (xhr.status === 201 && body.media) {
        onProgress(1);
        resolve(body.media);
      } else {
        reject(new MobileApiError(body.errors ?? [{ message: `The upload was refused (${xhr.status})` }], xhr.status));
      }
    };
    xhr.send(file);
  });
}
