import { useEffect, useState } from 'react';
import { ActivityIndicator, Image, Pressable, ScrollView, StyleSheet, Text, View } from 'react-native';
import type { PostScreen as Post } from '../../../bff-mobile/client/client';
import { useApp } from '../App';
import { mediaUrl } from '../config';
import { isUnreachable, messageOf } from '../session';
import { colors, ErrorText, Notice, Thumb, when } from '../ui';

/**
 * The post's text as paragraphs. bodyHtml is sanitised by posts; a phone shows its text, not
 * its markup (no web view for a few paragraphs).
 */
function paragraphs(html: string): string[] {
  return html
    .split(/<\/(?:p|h[1-6]|li|blockquote|pre)>|<br\s*\/?>/i)
    .map((part) =>
      part
        .replace(/<[^>]*>/g, '')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, '&')
        .trim(),
    )
    .filter(Boolean);
}

export function PostScreen({ id }: { id: string }) {
  const { session, push } = useApp();
  const [post, setPost] = useState<Post | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    session
      .call((client) => client.postScreen(id))
      .then(setPost)
      .catch((failure) => setError(isUnreachable(failure) ? 'Offline: this post cannot be loaded right now.' : messageOf(failure)));
  }, [session, id]);

  if (error) return <ErrorText>{error}</ErrorText>;
  if (post === undefined) return <ActivityIndicator style={styles.spinner} />;
  if (post === null) return <ErrorText>This post does not exist, or is not visible to you.</ErrorText>;
  return (
    <ScrollView testID="post" contentContainerStyle={styles.page}>
      <Text style={styles.title}>{post.title}</Text>
      {post.author ? (
        <Pressable style={styles.author} onPress={() => push({ name: 'profile', handle: post.author!.handle })}>
          <Thumb path={post.author.avatarThumbUrl} size={32} round unavailable={post.media === null} initial={post.author.handle} />
          <View>
            <Text style={styles.name}>{post.author.displayName}</Text>
            <Text style={styles.meta}>
              @{post.author.handle} · {when(post.publishedAt)}
            </Text>
          </View>
        </Pressable>
      ) : null}
      {post.media === null ? <Notice testID="media-unavailable">Photos cannot be shown right now.</Notice> : null}
      {(post.media ?? []).map((item) =>
        item.kind === 'IMAGE' ? <Photo key={item.id} uri={mediaUrl(item.url)} alt={item.alt} width={item.width} height={item.height} /> : null,
      )}
      {paragraphs(post.bodyHtml).map((text, i) => (
        <Text key={i} style={styles.paragraph}>
          {text}
        </Text>
      ))}
    </ScrollView>
  );
}

function Photo({ uri, alt, width, height }: { uri?: string; alt?: string | null; width?: number | null; height?: number | null }) {
  const [failed, setFailed] = useState(false);
  const aspectRatio = width && height ? width / height : 4 / 3;
  if (!uri || failed) {
    return (
      <View testID="thumb-placeholder" style={[styles.photo, styles.placeholder, { aspectRatio }]}>
        <Text style={styles.meta}>Photo unavailable</Text>
      </View>
    );
  }
  return <Image testID="photo" source={{ uri }} accessibilityLabel={alt ?? undefined} resizeMode="cover" onError={() => setFailed(true)} style={[styles.photo, { aspectRatio }]} />;
}

const styles = StyleSheet.create({
  spinner: { marginTop: 40 },
  page: { padding: 16 },
  title: { fontSize: 24, fontWeight: '700', color: colors.text },
  author: { flexDirection: 'row', alignItems: 'center', gap: 10, marginVertical: 12 },
  name: { fontSize: 15, fontWeight: '600', color: colors.text },
  meta: { fontSize: 13, color: colors.muted },
  photo: { width: '100%', borderRadius: 10, marginVertical: 8, backgroundColor: colors.placeholder },
  placeholder: { alignItems: 'center', justifyContent: 'center' },
  paragraph: { fontSize: 16, lineHeight: 24, color: colors.text, marginVertical: 6 },
});
