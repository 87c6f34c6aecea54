import * as ImagePicker from 'expo-image-picker';
import { useState } from 'react';
import { Image, StyleSheet } from 'react-native';
import { useApp } from '../App';
import { BFF_URL } from '../config';
import { messageOf } from '../session';
import { putUpload } from '../upload';
import { Button, colors, ErrorText, Field, FormScreen, ProgressBar } from '../ui';

interface Photo {
  uri: string;
  mimeType: string;
}

/**
 * Write a post, optionally with a photo: the post is created, then the photo uploaded in the two
 * steps of README "Media" (startUpload for a one-time URL, then a PUT of the bytes) with its
 * progress shown. Back to the feed once both are done.
 */
export function ComposeScreen() {
  const { session, home } = useApp();
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [photo, setPhoto] = useState<Photo | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const choose = async () => {
    const picked = await ImagePicker.launchImageLibraryAsync({ mediaTypes: ['images'], quality: 0.9 });
    const asset = picked.canceled ? undefined : picked.assets[0];
    if (asset) setPhoto({ uri: asset.uri, mimeType: asset.mimeType ?? 'image/jpeg' });
  };

  const publish = async () => {
    setBusy(true);
    setError(null);
    let created = false;
    try {
      const post = await session.call((client) => client.createPost(title.trim(), body.trim(), true));
      created = true;
      if (photo) {
        // A picked photo is a file: (phone) or blob: (web) URI; fetch reads both into a Blob.
        const file = await (await fetch(photo.uri)).blob();
        const mimeType = file.type || photo.mimeType;
        const ticket = await session.call((client) => client.startUpload(post.id, { kind: 'IMAGE', mimeType, bytes: file.size, alt: title.trim() }));
        setProgress(0);
        await putUpload(BFF_URL, ticket, file, mimeType, session.accessToken, setProgress);
      }
      home();
    } catch (failure) {
      setError(created ? `Your post was published, but its photo was not: ${messageOf(failure)}` : messageOf(failure));
      setProgress(null);
      setBusy(false);
    }
  };

  return (
    <FormScreen heading="New post">
      <Field label="Title" testID="title" value={title} onChangeText={setTitle} maxLength={200} />
      <Field label="Text (Markdown)" testID="body" value={body} onChangeText={setBody} multiline />
      {photo ? <Image testID="photo-preview" source={{ uri: photo.uri }} resizeMode="cover" style={styles.preview} /> : null}
      <Button kind="plain" title={photo ? 'Choose another photo' : 'Add a photo'} testID="choose-photo" disabled={busy} onPress={() => void choose()} />
      {progress !== null ? <ProgressBar testID="upload-progress" fraction={progress} /> : null}
      {error ? <ErrorText>{error}</ErrorText> : null}
      <Button title="Publish" testID="publish" busy={busy} disabled={!title.trim() || !body.trim()} onPress={() => void publish()} />
    </FormScreen>
  );
}

const styles = StyleSheet.create({
  preview: { width: '100%', aspectRatio: 4 / 3, borderRadius: 10, marginVertical: 8, backgroundColor: colors.placeholder },
});
