import { useCallback, useEffect, useState } from 'react';
import { ActivityIndicator, FlatList, Pressable, StyleSheet, Text, View } from 'react-native';
import type { ProfileQuery, ProfileQueryVariables } from '../../../bff-mobile/client/operations.generated';
import { useApp } from '../App';
import { PAGE_SIZE } from '../config';
import { isUnreachable, messageOf } from '../session';
import { Button, colors, ErrorText, Thumb, when } from '../ui';

type Profile = NonNullable<ProfileQuery['profile']>;
type ProfileCard = NonNullable<Profile['posts']>['cards'][number];

/** A person's profile: who they are and their posts, the next page loaded near the end. Yours has Sign out. */
export function ProfileScreen({ handle }: { handle: string }) {
  const { session, state, push, home } = useApp();
  const [profile, setProfile] = useState<Profile | null | undefined>(undefined);
  const [cards, setCards] = useState<ProfileCard[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [signingOut, setSigningOut] = useState(false);
  const mine = state.status === 'signed-in' && state.user.handle === handle;

  const load = useCallback(
    (after?: string | null) =>
      session.call((client) => client.execute<ProfileQuery, ProfileQueryVariables>('Profile', { handle, first: PAGE_SIZE, after })).then((r) => r.data.profile),
    [session, handle],
  );

  useEffect(() => {
    load()
      .then((found) => {
        setProfile(found);
        setCards(found?.posts?.cards ?? []);
      })
      .catch((failure) => setError(isUnreachable(failure) ? 'Offline: this profile cannot be loaded right now.' : messageOf(failure)));
  }, [load]);

  const loadMore = async () => {
    if (!profile?.posts?.hasMore || !profile.posts.nextCursor) return;
    const next = await load(profile.posts.nextCursor).catch(() => null);
    if (!next) return;
    setProfile(next);
    setCards((shown) => [...shown, ...(next.posts?.cards ?? [])]);
  };

  const signOut = async () => {
    setSigningOut(true);
    await session.signOut();
    home();
  };

  if (error) return <ErrorText>{error}</ErrorText>;
  if (profile === undefined) return <ActivityIndicator style={styles.spinner} />;
  if (profile === null) return <ErrorText>Nobody has the handle @{handle}.</ErrorText>;
  return (
    <FlatList
      testID="profile"
      data={cards}
      keyExtractor={(card) => card.id}
      onEndReached={() => void loadMore()}
      onEndReachedThreshold={0.5}
      ListHeaderComponent={
        <View style={styles.head}>
          <Thumb path={profile.avatarThumbUrl} size={72} round initial={profile.handle} />
          <View style={styles.who}>
            <Text style={styles.name}>{profile.displayName}</Text>
            <Text style={styles.handle}>@{profile.handle}</Text>
          </View>
          {mine ? <Button kind="plain" title="Sign out" testID="sign-out" busy={signingOut} onPress={() => void signOut()} /> : null}
        </View>
      }
      renderItem={({ item }) => (
        <Pressable testID="profile-post" style={styles.row} onPress={() => push({ name: 'post', id: item.id })}>
          {item.coverThumbUrl ? <Thumb path={item.coverThumbUrl} size={56} /> : null}
          <View style={styles.rowText}>
            <Text style={styles.title} numberOfLines={2}>
              {item.title}
            </Text>
            <Text style={styles.date}>{when(item.publishedAt)}</Text>
          </View>
        </Pressable>
      )}
      ListEmptyComponent={<Text style={styles.empty}>{profile.posts ? 'No posts yet.' : 'Posts cannot be shown right now.'}</Text>}
    />
  );
}

const styles = StyleSheet.create({
  spinner: { marginTop: 40 },
  head: { flexDirection: 'row', alignItems: 'center', padding: 16, gap: 14, backgroundColor: colors.card, borderBottomWidth: 1, borderColor: colors.border },
  who: { flex: 1 },
  name: { fontSize: 20, fontWeight: '700', color: colors.text },
  handle: { fontSize: 14, color: colors.muted },
  row: { flexDirection: 'row', gap: 12, padding: 12, marginHorizontal: 12, marginTop: 8, backgroundColor: colors.card, borderRadius: 10, alignItems: 'center' },
  rowText: { flex: 1 },
  title: { fontSize: 15, fontWeight: '600', color: colors.text },
  date: { fontSize: 12, color: colors.muted, marginTop: 2 },
  empty: { textAlign: 'center', color: colors.muted, marginTop: 30 },
});
