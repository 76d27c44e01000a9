/** Questions about a need too thin to act on, by topic and language (the built-in model's phrasing). */

/** What a thin need is about: buying (size and date), a problem (what and since when), anything else. */
export type DetailTopic = 'sales' | 'problem' | 'other';

export const ASK_DETAIL: Record<'es' | 'en', Record<DetailTopic, string[]>> = {
  es: {
    sales: [
      '¿Me cuenta un poco más de su operación: cuántos vehículos o repartidores manejan y para cuándo le gustaría tenerlo funcionando?',
      'Para orientarle bien, ¿me cuenta cuántos vehículos tienen y qué le gustaría mejorar primero?',
    ],
    problem: [
      '¿Me cuenta un poco más: qué ocurre exactamente y desde cuándo?',
      'Para ayudarle mejor, ¿me cuenta qué está pasando exactamente y a cuántos usuarios o vehículos afecta?',
    ],
    other: [
      '¿Me cuenta un poco más sobre lo que tiene en mente?',
      'Para pasarlo a la persona indicada, ¿me cuenta un poco más de su propuesta?',
    ],
  },
  en: {
    sales: [
      'Could you tell me more about your operation: how many vehicles or drivers you run and when you would like to have it working?',
      'So I can point you the right way, could you tell me more about how many vehicles you have and what you would like to improve first?',
    ],
    problem: [
      'Could you tell me more about what is happening exactly and since when?',
      'To help you faster, could you tell me more about what exactly is going wrong and how many users or vehicles it affects?',
    ],
    other: [
      'Could you tell me a bit more about what you have in mind?',
      'So I can pass it to the right person, could you tell me a bit more about your proposal?',
    ],
  },
};
