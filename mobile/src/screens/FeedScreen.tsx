import { useCallback, useEffect, useRef, useState } from 'react';
import { ActivityIndicator, FlatList, Pressable, RefreshControl, StyleSheet, Text, View } from 'react-native';
import type { Card } from '../../../bff-mobile/client/client';
import { useApp } from '../App';
import { retryDelay } from '../backoff';
import { PAGE_SIZE } from '../config';
import { loadFeed, saveFeed } from '../feed-cache';
import { isUnreachable, messageOf } from '../session';
import { Button, colors, ErrorText, Notice, Thumb, when } from '../ui';

/**
 * The home feed: newest posts as cards with thumbnails, the next page loaded as the list nears
 * its end, pull to refresh. When bff-mobile cannot be reached, the last feed shown comes from the
 * app's cache under an "offline" notice, and the feed keeps trying, less and less often, until it is back.
 */
export function FeedScreen() {
  const { session, push } = useApp();
  const [cards, setCards] = useState<Card[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [refreshing, setRefreshing] = useState(false);
  const [offlineSince, setOfflineSince] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const loadingMore = useRef(false);
  const failures = useRef(0);
  const retry = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const mounted = useRef(true);

  const loadFirst = useCallback(async () => {
    clearTimeout(retry.current);
    try {
      const feed = await session.call((client) => client.feed(PAGE_SIZE));
      setCards(feed.cards);
      setCursor(feed.nextCursor ?? null);
      setHasMore(feed.hasMore);
      setOfflineSince(null);
      setError(null);
      failures.current = 0;
      await saveFeed(feed.cards).catch(() => undefined);
    } catch (failure) {
      if (!isUnreachable(failure)) {
        setError(messageOf(failure));
        return;
      }
      // Offline: try again on its own (backoff.ts), so the feed comes back without the user doing anything.
      // Not once the feed is gone (a post opened while this try was on its way), or it would go on unseen.
      failures.current += 1;
      if (mounted.current) retry.current = setTimeout(() => void loadFirst(), retryDelay(failures.current));
      const cached = await loadFeed().catch(() => null);
      setOfflineSince(cached?.savedAt ?? new Date().toISOString());
      if (cached) {
        setCards(cached.cards);
        setHasMore(false);
      }
    } finally {
      setLoading(false);
      setRefreshing(false);
    }
  }, [session]);

  useEffect(() => {
    mounted.current = true;
    void loadFirst();
    return () => {
      mounted.current = false;
      clearTimeout(retry.current);
    };
  }, [loadFirst]);

  const loadMore = useCallback(async () => {
    if (!hasMore || !cursor || loadingMore.current || offlineSince) return;
    loadingMore.current = true;
    try {
      const feed = await session.call((client) => client.feed(PAGE_SIZE, cursor));
      setCards((shown) => [...shown, ...feed.cards.filter((card) => !shown.some((s) => s.id === card.id))]);
      setCursor(feed.nextCursor ?? null);
      setHasMore(feed.hasMore);
    } catch {
      // The next scroll to the end tries again.
    } finally {
      loadingMore.current = false;
    }
  }, [session, cursor, hasMore, offlineSince]);

  if (loading) return <ActivityIndicator style={styles.spinner} />;
  return (
    <View style={styles.fill}>
      {offlineSince ? (
        <Notice testID="offline-notice">
          Offline: showing the feed as it was at {when(offlineSince)}. Retrying…
        </Notice>
      ) : null}
      {error ? <ErrorText>{error}</ErrorText> : null}
      <FlatList
        testID="feed"
        data={cards}
        keyExtractor={(card) => card.id}
        renderItem={({ item }) => <FeedCard card={item} onOpen={() => push({ name: 'post', id: item.id })} onAuthor={(handle) => push({ name: 'profile', handle })} />}
        onEndReached={() => void loadMore()}
        onEndReachedThreshold={0.5}
        refreshControl={
          <RefreshControl
            refreshing={refreshing}
            onRefresh={() => {
              setRefreshing(true);
              void loadFirst();
            }}
          />
        }
        ListEmptyComponent={<Text style={styles.empty}>{offlineSince ? 'Nothing saved to show offline yet.' : 'No posts yet.'}</Text>}
        ListFooterComponent={hasMore ? <ActivityIndicator style={styles.more} /> : offlineSince ? <Button kind="plain" title="Retry now" testID="retry" onPress={() => void loadFirst()} /> : null}
      />
    </View>
  );
}

function FeedCard({ card, onOpen, onAuthor }: { card: Card; onOpen: () => void; onAuthor: (handle: string) => void }) {
  // imageCount is null when media could not be asked: the card shows a placeholder, not nothing.
  const mediaUnavailable = card.imageCount === null || card.imageCount === undefined;
  const showThumb = mediaUnavailable || Boolean(card.coverThumbUrl);
  return (
    <Pressable testID="feed-card" accessibilityRole="button" onPress={onOpen} style={({ pressed }) => [styles.card, pressed && styles.pressed]}>
      <View style={styles.cardText}>
        <Text testID="card-title" style={styles.cardTitle} numberOfLines={2}>
          {card.title}
        </Text>
        <Text style={styles.excerpt} numberOfLines={3}>
          {card.excerpt}
        </Text>
        <View style={styles.byline}>
          <Thumb path={card.authorAvatarThumbUrl} unavailable={mediaUnavailable} size={22} round initial={card.authorHandle ?? undefined} />
          {card.authorHandle ? (
            <Text style={styles.author} onPress={() => onAuthor(card.authorHandle!)}>
              @{card.authorHandle}
            </Text>
          ) : null}
          <Text style={styles.date}>{when(card.publishedAt)}</Text>
        </View>
      </View>
      {showThumb ? <Thumb path={card.coverThumbUrl} unavailable={mediaUnavailable} size={84} /> : null}
    </Pressable>
  );
}

const styles = StyleSheet.create({
  fill: { flex: 1 },
  spinner: { marginTop: 40 },
  more: { marginVertical: 16 },
  empty: { textAlign: 'center', color: colors.muted, marginTop: 40 },
  card: {
    flexDirection: 'row',
    backgroundColor: colors.card,
    marginHorizontal: 12,
    marginTop: 10,
    padding: 12,
    borderRadius: 12,
    borderWidth: 1,
    borderColor: colors.border,
    gap: 12,
  },
  pressed: { opacity: 0.8 },
  cardText: { flex: 1 },
  cardTitle: { fontSize: 16, fontWeight: '600', color: colors.text },
  excerpt: { fontSize: 14, color: colors.muted, marginTop: 4 },
  byline: { flexDirection: 'row', alignItems: 'center', marginTop: 8, gap: 6 },
  author: { fontSize: 13, color: colors.accent },
  date: { fontSize: 12, color: colors.muted },
});
